package dev.sparkgen.model.generate.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.logits.LogitsPipeline;
import dev.sparkgen.model.generate.logits.TokenHistory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The device path ({@link LogitsPipeline#apply(List, NDArray)} and {@link DeviceSampling}) against
 * the host path ({@link TokenChoice#onHost}, the reference) on random logits: for each processor
 * alone and combined, greedy and sampling, the same banned tokens, processed probabilities within
 * 1e-5, the same chosen tokens and log-probabilities, and the same failure where the host fails.
 * The logits have ties (scores rounded to halves), -inf entries, and now and then NaN or +inf.
 */
class DeviceSamplingTest {
  private static final double PROBABILITY_TOLERANCE = 1e-5;
  private static NDManager manager;

  @BeforeAll
  static void open() {
    DjlEnvironment.engine();
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static GenerationConfig config(String... keyValues) {
    Map<String, String> m = new HashMap<>();
    m.put("top_k", "0"); // each processor alone unless the case sets more
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return GenerationConfig.fromMap(m, GenerationConfig.defaults());
  }

  static Stream<Arguments> cases() {
    List<String[]> settings = List.of(
        new String[] {"do_sample", "true"},
        new String[] {"do_sample", "true", "temperature", "0.7"},
        new String[] {"do_sample", "true", "temperature", "1.9"},
        new String[] {"do_sample", "true", "top_k", "1"},
        new String[] {"do_sample", "true", "top_k", "5"},
        new String[] {"do_sample", "true", "top_k", "50"},
        new String[] {"do_sample", "true", "top_p", "0.5"},
        new String[] {"do_sample", "true", "top_p", "0.9"},
        new String[] {"do_sample", "true", "top_p", "0.999"},
        new String[] {"do_sample", "true", "min_p", "0.05"},
        new String[] {"do_sample", "true", "min_p", "0.5"},
        new String[] {"do_sample", "true", "repetition_penalty", "1.5"},
        new String[] {"do_sample", "true", "repetition_penalty", "0.8"},
        new String[] {"do_sample", "true", "no_repeat_ngram_size", "2"},
        new String[] {"do_sample", "true", "no_repeat_ngram_size", "1"},
        new String[] {"do_sample", "true", "min_new_tokens", "4", "eos_token_id", "3,5"},
        new String[] {"do_sample", "true", "temperature", "0.8", "top_k", "50", "top_p", "0.95"},
        new String[] {"do_sample", "true", "temperature", "0.6", "top_k", "20", "top_p", "0.9", "min_p", "0.02",
            "repetition_penalty", "1.3", "no_repeat_ngram_size", "2", "min_new_tokens", "3", "eos_token_id", "3"},
        new String[] {"repetition_penalty", "1.5"},
        new String[] {"no_repeat_ngram_size", "2"},
        new String[] {"min_new_tokens", "4", "eos_token_id", "3,5"},
        new String[] {"repetition_penalty", "1.2", "no_repeat_ngram_size", "3", "min_new_tokens", "2", "eos_token_id", "1"},
        new String[] {});
    List<Arguments> out = new ArrayList<>();
    for (String[] s : settings) {
      for (int vocab : new int[] {7, 64, 3000}) {
        out.add(Arguments.of(String.join(" ", s), vocab, s));
      }
    }
    return out.stream();
  }

  /** A row whose history is a random prompt and a random number of generated tokens. */
  private static DecodeRow row(SplittableRandom random, int vocab, long seed) {
    int[] prompt = random.ints(1 + random.nextInt(6), 0, vocab).toArray();
    DecodeRow row = new DecodeRow(0, 0, prompt, null, uniforms(seed), null);
    int generated = random.nextInt(7);
    for (int i = 0; i < generated; i++) {
      row.append(random.nextInt(Math.min(vocab, 10)), 0f); // small ids: n-grams repeat
    }
    return row;
  }

  private static DoubleSupplier uniforms(long seed) {
    return new SplittableRandom(seed)::nextDouble;
  }

  /** Random logits for one row: scale, ties, -inf, and sometimes NaN or +inf. */
  private static float[] logits(SplittableRandom random, int vocab) {
    float[] x = new float[vocab];
    double scale = new double[] {0.3, 1, 3, 8}[random.nextInt(4)];
    boolean ties = random.nextBoolean();
    for (int v = 0; v < vocab; v++) {
      double g = scale * random.nextGaussian();
      x[v] = (float) (ties ? Math.rint(2 * g) / 2 : g);
      if (random.nextInt(20) == 0) {
        x[v] = Float.NEGATIVE_INFINITY;
      }
    }
    int special = random.nextInt(40);
    if (special == 0) {
      x[random.nextInt(vocab)] = Float.NaN;
    } else if (special == 1) {
      x[random.nextInt(vocab)] = Float.POSITIVE_INFINITY;
    } else if (special == 2) {
      Arrays.fill(x, 1.5f); // one big tie
    }
    return x;
  }

  @ParameterizedTest(name = "{0} vocab {1}")
  @MethodSource("cases")
  void deviceEqualsHost(String name, int vocab, String[] settings) {
    GenerationConfig config = config(settings);
    LogitsPipeline pipeline = LogitsPipeline.forConfig(config);
    TokenSelector selector = config.doSample() ? TokenSelector.SAMPLING : TokenSelector.GREEDY;
    SplittableRandom random = new SplittableRandom(31L * vocab + name.hashCode());
    int compared = 0;
    for (int trial = 0; trial < 6; trial++) {
      int rows = 1 + random.nextInt(12);
      float[][] x = new float[rows][];
      List<DecodeRow> deviceRows = new ArrayList<>();
      List<DecodeRow> hostRows = new ArrayList<>();
      float[] flat = new float[rows * vocab];
      for (int r = 0; r < rows; r++) {
        x[r] = logits(random, vocab);
        System.arraycopy(x[r], 0, flat, r * vocab, vocab);
        long seed = random.nextLong();
        DecodeRow d = row(random, vocab, seed);
        deviceRows.add(d);
        hostRows.add(copy(d, seed));
      }
      String where = name + " vocab " + vocab + " trial " + trial;
      try (NDManager scope = manager.newSubManager()) {
        NDArray logits = scope.create(flat, new Shape(rows, vocab));
        // 1. The processed scores: the same banned tokens, probabilities within 1e-5.
        List<TokenHistory> histories = deviceRows.stream().map(d -> d.history).toList();
        float[] processed = pipeline.apply(histories, logits).toFloatArray();
        for (int r = 0; r < rows; r++) {
          if (!finite(x[r])) {
            continue; // NaN / +inf rows are redone on the host: only their picks must agree
          }
          float[] want = pipeline.apply(hostRows.get(r).history, x[r].clone());
          float[] got = Arrays.copyOfRange(processed, r * vocab, (r + 1) * vocab);
          for (int v = 0; v < vocab; v++) {
            int row = r;
            int token = v;
            assertEquals(want[v] == Float.NEGATIVE_INFINITY, got[v] == Float.NEGATIVE_INFINITY,
                () -> where + " row " + row + " token " + token + " banned? host " + want[token] + " device " + got[token]
                    + " logits " + Arrays.toString(Arrays.copyOf(x[row], Math.min(vocab, 16))) + "...");
          }
          if (anyFinite(want)) {
            double[] p = InverseCdf.probabilities(want);
            double[] q = InverseCdf.probabilities(got);
            for (int v = 0; v < vocab; v++) {
              assertEquals(p[v], q[v], PROBABILITY_TOLERANCE, where + " row " + r + " token " + v);
            }
            compared++;
          }
        }
        // 2. The picks: the same tokens and log-probabilities, or the same failure.
        String hostFailure = null;
        int[] hostTokens = new int[rows];
        float[] hostLogprobs = new float[rows];
        try {
          for (int r = 0; r < rows; r++) {
            DecodeRow h = hostRows.get(r);
            TokenChoice c = TokenChoice.onHost(x[r], h.history, pipeline, selector, h.uniforms);
            hostTokens[r] = c.token();
            hostLogprobs[r] = c.logprob();
          }
        } catch (AllTokensFilteredException e) {
          hostFailure = e.getMessage();
        }
        String deviceFailure = null;
        Picks picks = null;
        try {
          picks = new DeviceSampling(pipeline, selector).pick(logits, deviceRows);
          for (int r = 0; r < rows && deviceFailure == null; r++) { // the first failing row, as the host loop meets it
            deviceFailure = picks.failure(r) == null ? null : picks.failure(r).getMessage();
          }
        } catch (AllTokensFilteredException e) {
          deviceFailure = e.getMessage();
        }
        assertEquals(hostFailure, deviceFailure, where);
        if (picks != null && deviceFailure == null) {
          assertArrayEquals(hostTokens, picks.tokens(), where);
          assertArrayEquals(hostLogprobs, picks.logprobs(), 1e-5f, where); // float32 log-softmax against double
          // Both consumed one uniform per row (sampling) or none (greedy).
          for (int r = 0; r < rows; r++) {
            assertEquals(hostRows.get(r).uniforms.getAsDouble(), deviceRows.get(r).uniforms.getAsDouble(), where);
          }
        }
      }
    }
    assertTrue(compared > 0, name + ": no row compared");
  }

  /** The same row (history and uniform stream) for the host path. */
  private static DecodeRow copy(DecodeRow d, long seed) {
    int[] prompt = new int[d.history.promptLength()];
    Arrays.setAll(prompt, d.history::get);
    DecodeRow c = new DecodeRow(0, 0, prompt, null, uniforms(seed), null);
    for (int id : d.history.generatedIds()) {
      c.append(id, 0f);
    }
    return c;
  }

  private static boolean finite(float[] x) {
    for (float v : x) {
      if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY) {
        return false;
      }
    }
    return true;
  }

  private static boolean anyFinite(float[] x) {
    for (float v : x) {
      if (v != Float.NEGATIVE_INFINITY) {
        return true;
      }
    }
    return false;
  }

  @Test
  void topPTiesAreCutByIdAsAStableAscendingSortCutsThem() {
    // Four equal tokens: cumulative 0.25, 0.5, 0.75, 1; top_p 0.5 removes the two lowest ids.
    LogitsPipeline topP = LogitsPipeline.forConfig(config("do_sample", "true", "top_p", "0.5"));
    float[] got = topP.apply(List.of(new TokenHistory(new int[] {0})), manager.create(new float[] {0f, 0f, 0f, 0f},
        new Shape(1, 4))).toFloatArray();
    float neg = Float.NEGATIVE_INFINITY;
    assertArrayEquals(new float[] {neg, neg, 0f, 0f}, got);
    // Ties straddling the cut among other scores: ids 1, 3, 5 tie (probability 0.0946 each); in
    // ascending (score, id) order 0, 2, 1, 3, 5, 4 the cumulative mass is 0.0047, 0.0175, 0.1121,
    // 0.2067, ...: top_p 0.85 removes what stays <= 0.15, i.e. 0, 2 and the lowest tied id only.
    float[] scores = {-3f, 0f, -2f, 0f, 2f, 0f};
    float[] host = LogitsPipeline.forConfig(config("do_sample", "true", "top_p", "0.85"))
        .apply(new TokenHistory(new int[] {0}), scores.clone());
    float[] device = LogitsPipeline.forConfig(config("do_sample", "true", "top_p", "0.85"))
        .apply(List.of(new TokenHistory(new int[] {0})), manager.create(scores, new Shape(1, 6))).toFloatArray();
    assertArrayEquals(host, device);
    assertArrayEquals(new float[] {neg, neg, neg, 0f, 2f, 0f}, host, "the lowest tied id goes first");
  }

  @Test
  void topPOverALargeFlatVocabularySortsEverythingAndStillAgrees() {
    // Flat logits: the nucleus holds thousands of tokens, past both candidate sizes.
    int vocab = 5000;
    SplittableRandom random = new SplittableRandom(3);
    float[] x = new float[2 * vocab];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (i < vocab ? 0.05 * random.nextGaussian() : 2.5 * random.nextGaussian());
    }
    for (String topP : List.of("0.3", "0.95")) {
      LogitsPipeline p = LogitsPipeline.forConfig(config("do_sample", "true", "top_p", topP));
      float[] device = p.apply(List.of(new TokenHistory(new int[] {0}), new TokenHistory(new int[] {0})),
          manager.create(x, new Shape(2, vocab))).toFloatArray();
      for (int r = 0; r < 2; r++) {
        float[] host = p.apply(new TokenHistory(new int[] {0}), Arrays.copyOfRange(x, r * vocab, (r + 1) * vocab));
        int kept = 0;
        for (int v = 0; v < vocab; v++) {
          assertEquals(host[v] == Float.NEGATIVE_INFINITY, device[r * vocab + v] == Float.NEGATIVE_INFINITY,
              "top_p " + topP + " row " + r + " token " + v);
          kept += host[v] == Float.NEGATIVE_INFINITY ? 0 : 1;
        }
        assertTrue(r == 1 || kept > 1024, "row 0 must need the whole sort, kept " + kept);
      }
    }
  }
}
