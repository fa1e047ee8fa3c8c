package dev.sparkgen.model;

import static dev.sparkgen.model.TinyModels.maxDiff;
import static dev.sparkgen.model.TinyModels.tokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.TinyModels.Named;
import dev.sparkgen.model.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decoding invariants on random models of every tiny shape (every family): cache, padding,
 * causality, row selection, sliding windows across the window, longrope across its switch.
 */
class DecodingPropertiesTest {
  static final double TOLERANCE = 1e-4;
  /** Logits of different contexts must differ by far more than the tolerance, or the checks prove nothing. */
  static final double DISTINCT = 100 * TOLERANCE;

  static List<Named> models() {
    return TinyModels.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void kvCacheDecodingEqualsFullRecompute(Named m) {
    SplittableRandom r = new SplittableRandom(11);
    try (CausalLm lm = TinyModels.model(m.config(), 1)) {
      int vocab = lm.vocabSize();
      int[] prompt = tokens(r, 5, vocab);
      int[] next = tokens(r, 10, vocab);
      try (DecodeBatch batch = lm.open(List.of(prompt), next.length)) {
        float[] got = batch.prefill()[0];
        int[] prefix = prompt;
        for (int i = 0; ; i++) {
          float[][] full = lm.allLogits(prefix);
          float[] want = full[full.length - 1];
          assertTrue(maxDiff(want, got) <= TOLERANCE, "step " + i + ": cached vs recomputed differ by " + maxDiff(want, got));
          if (i > 0) {
            assertTrue(maxDiff(full[full.length - 2], want) > DISTINCT, "consecutive positions should differ");
          }
          if (i == next.length) {
            break;
          }
          got = batch.step(new int[] {next[i]})[0];
          prefix = append(prefix, next[i]);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void leftPaddedBatchEqualsEachRowAlone(Named m) {
    SplittableRandom r = new SplittableRandom(12);
    try (CausalLm lm = TinyModels.model(m.config(), 2)) {
      int vocab = lm.vocabSize();
      int steps = 6;
      List<int[]> prompts = List.of(tokens(r, 3, vocab), tokens(r, 7, vocab), tokens(r, 1, vocab), tokens(r, 5, vocab));
      int[][] next = new int[steps][];
      for (int s = 0; s < steps; s++) {
        next[s] = tokens(r, prompts.size(), vocab);
      }
      List<float[][]> batched = run(lm, prompts, next); // per call: [rows][V]
      for (int row = 0; row < prompts.size(); row++) {
        int[][] alone = new int[steps][];
        for (int s = 0; s < steps; s++) {
          alone[s] = new int[] {next[s][row]};
        }
        List<float[][]> single = run(lm, List.of(prompts.get(row)), alone);
        for (int call = 0; call <= steps; call++) {
          double d = maxDiff(single.get(call)[0], batched.get(call)[row]);
          assertTrue(d <= TOLERANCE, "row " + row + ", call " + call + ": batched vs alone differ by " + d);
        }
      }
      assertTrue(maxDiff(batched.get(0)[0], batched.get(0)[1]) > DISTINCT, "rows should differ from each other");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void changingALaterTokenNeverChangesEarlierLogits(Named m) {
    SplittableRandom r = new SplittableRandom(13);
    try (CausalLm lm = TinyModels.model(m.config(), 3)) {
      int[] a = tokens(r, 9, lm.vocabSize());
      int changed = 5;
      int[] b = a.clone();
      b[changed] = (a[changed] + 1) % lm.vocabSize();
      float[][] la = lm.allLogits(a);
      float[][] lb = lm.allLogits(b);
      for (int t = 0; t < changed; t++) {
        assertArrayEquals(la[t], lb[t], 0f, "position " + t + " saw a later token");
      }
      for (int t = changed; t < a.length; t++) {
        assertTrue(maxDiff(la[t], lb[t]) > DISTINCT, "position " + t + " should see the changed token");
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void selectKeepsRowsIdenticalToContinuingUnselected(Named m) {
    SplittableRandom r = new SplittableRandom(14);
    try (CausalLm lm = TinyModels.model(m.config(), 4)) {
      int vocab = lm.vocabSize();
      List<int[]> prompts = List.of(tokens(r, 4, vocab), tokens(r, 2, vocab), tokens(r, 6, vocab));
      int[][] before = {tokens(r, 3, vocab), tokens(r, 3, vocab)};
      int[][] after = {tokens(r, 3, vocab), tokens(r, 3, vocab), tokens(r, 3, vocab)};
      int[] keep = {2, 0, 0}; // drop row 1, reorder, fork row 0
      try (DecodeBatch all = lm.open(prompts, 6); DecodeBatch picked = lm.open(prompts, 6)) {
        all.prefill();
        picked.prefill();
        for (int[] t : before) {
          all.step(t);
          picked.step(t);
        }
        picked.select(keep);
        assertEquals(keep.length, picked.rows());
        for (int k = 0; k < keep.length; k++) {
          assertEquals(all.remaining(keep[k]), picked.remaining(k), "remaining of kept row " + k);
        }
        for (int[] t : after) {
          float[][] want = all.step(t);
          int[] mine = new int[keep.length];
          for (int k = 0; k < keep.length; k++) {
            mine[k] = t[keep[k]];
          }
          mine[2] = (mine[2] + 1) % vocab; // the fork takes its own token
          float[][] got = picked.step(mine);
          assertTrue(maxDiff(want[2], got[0]) <= TOLERANCE, "row 2 moved to 0: " + maxDiff(want[2], got[0]));
          assertTrue(maxDiff(want[0], got[1]) <= TOLERANCE, "row 0 moved to 1: " + maxDiff(want[0], got[1]));
          assertTrue(maxDiff(got[1], got[2]) > DISTINCT, "the fork took a different token, so its logits differ");
        }
      }
    }
  }

  /**
   * With a sliding window W on each of L layers, position t depends only on tokens t - L (W - 1) ..
   * t: changing token 0 must leave every later position bit-identical, both in one prefill and in
   * cached decoding (where windows are cache slices instead of masks), and must change position
   * L (W - 1), the last one within reach (or the test would prove nothing).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("windowedEverywhere")
  void tokensBeyondTheWindowsReachChangeNothing(Named m) {
    ModelConfig c = m.config();
    int reach = c.numLayers() * (c.slidingWindow(0) - 1);
    SplittableRandom r = new SplittableRandom(15);
    try (CausalLm lm = TinyModels.model(c, 6)) {
      int[] a = tokens(r, reach + 5, lm.vocabSize());
      int[] b = a.clone();
      b[0] = (a[0] + 1) % lm.vocabSize();
      float[][] prefillA = lm.allLogits(a);
      float[][] prefillB = lm.allLogits(b);
      float[][] decodeA = decodeOneByOne(lm, a);
      float[][] decodeB = decodeOneByOne(lm, b);
      assertTrue(maxDiff(prefillA[reach], prefillB[reach]) > DISTINCT, "position " + reach + " is within reach of token 0");
      assertTrue(maxDiff(decodeA[reach], decodeB[reach]) > DISTINCT, "decoded position " + reach + " is within reach");
      for (int t = reach + 1; t < a.length; t++) {
        assertArrayEquals(prefillA[t], prefillB[t], 0f, "prefill position " + t + " saw token 0 beyond the windows");
        assertArrayEquals(decodeA[t], decodeB[t], 0f, "decoded position " + t + " saw token 0 beyond the windows");
      }
    }
  }

  static List<Named> windowedEverywhere() {
    return TinyModels.all().stream()
        .filter(m -> m.config().layerWindows().stream().allMatch(w -> w != null))
        .toList();
  }

  /** Logits after each token of {@code seq}, fed one at a time through the cache: [T][V]. */
  private static float[][] decodeOneByOne(CausalLm lm, int[] seq) {
    float[][] out = new float[seq.length][];
    try (DecodeBatch batch = lm.open(List.of(new int[] {seq[0]}), seq.length - 1)) {
      out[0] = batch.prefill()[0];
      for (int t = 1; t < seq.length; t++) {
        out[t] = batch.step(new int[] {seq[t]})[0];
      }
    }
    return out;
  }

  /** Prefill then one step per entry of {@code next}: the logits of every call. */
  private static List<float[][]> run(CausalLm lm, List<int[]> prompts, int[][] next) {
    List<float[][]> out = new ArrayList<>();
    try (DecodeBatch batch = lm.open(prompts, next.length)) {
      out.add(batch.prefill());
      for (int[] t : next) {
        out.add(batch.step(t));
      }
    }
    return out;
  }

  private static int[] append(int[] a, int x) {
    int[] out = java.util.Arrays.copyOf(a, a.length + 1);
    out[a.length] = x;
    return out;
  }
}
