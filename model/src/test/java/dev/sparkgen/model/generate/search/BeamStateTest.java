package dev.sparkgen.model.generate.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.logits.LogitsPipeline;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The done rule of one prompt's beam search, driven by hand-written log-probabilities over three
 * tokens (0 = eos) with two beams (K = 4 candidates per step).
 */
class BeamStateTest {

  private static float[] probs(double... p) {
    float[] out = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      out[i] = (float) Math.log(p[i]);
    }
    return out;
  }

  private static BeamState state(String earlyStopping) {
    GenerationConfig config = GenerationConfig.fromMap(Map.of("num_beams", "2", "num_return_sequences", "2",
        "eos_token_id", "0", "early_stopping", earlyStopping, "length_penalty", "1"), GenerationConfig.defaults());
    return new BeamState(config, new int[] {1}, 0, 10, Set.of(0), new LogitsPipeline(List.of()),
        new StopStrings(List.of(), null));
  }

  /** Runs steps 1 and 2 (see the comments for the arithmetic) and reports whether it is over. */
  private static boolean twoSteps(BeamState s) {
    // Step 1 expands beam 0: eos -0.916 finishes (slot 1 of 2); running [1] -1.050 and [2] -1.386.
    s.advance(new float[][] {probs(0.4, 0.35, 0.25)});
    assertFalse(s.over());
    place(s);
    // Step 2: [1, eos] = -1.155 finishes, normalised -0.578: both slots full, worst -0.916.
    // Running: [2, 1] and [2, 2] at -2.185; best possible -2.185 / L.
    s.advance(new float[][] {probs(0.9, 0.05, 0.05), probs(0.1, 0.45, 0.45)});
    place(s);
    return s.over();
  }

  private static void place(BeamState s) {
    for (int i = 0; i < s.running().size(); i++) {
      s.running().get(i).row = i; // what BeamSearch does after select
    }
  }

  @Test
  void falseStopsWhenTheBestRunningBeamOverItsCurrentLengthCannotWin() {
    BeamState s = state("false");
    assertTrue(twoSteps(s), "-2.185 / 2 = -1.09 <= -0.916: done");
    List<Sequence> out = s.result(2, false);
    assertArrayEquals(new int[] {1, 0}, out.get(0).tokenIds());
    assertEquals((Math.log(0.35) + Math.log(0.9)) / 2, out.get(0).score(), 1e-6);
    assertArrayEquals(new int[] {0}, out.get(1).tokenIds());
    assertEquals(Math.log(0.4), out.get(1).score(), 1e-6);
  }

  @Test
  void neverWithPositiveLengthPenaltyAssumesTheMaximumLength() {
    BeamState s = state("never");
    assertFalse(twoSteps(s), "-2.185 / 10 = -0.22 > -0.916: can still improve");
    // Step 3: [2, 1, eos] = -2.195, normalised -0.732, replaces [eos] (-0.916).
    s.advance(new float[][] {probs(0.99, 0.005, 0.005), probs(0.5, 0.25, 0.25)});
    List<Sequence> out = s.result(2, false);
    assertArrayEquals(new int[] {1, 0}, out.get(0).tokenIds());
    assertArrayEquals(new int[] {2, 1, 0}, out.get(1).tokenIds());
    assertEquals((Math.log(0.25) + Math.log(0.45) + Math.log(0.99)) / 3, out.get(1).score(), 1e-6);
  }

  @Test
  void trueStopsAsSoonAsEverySlotIsFinishedEvenWhenARunningBeamCouldWin() {
    for (String mode : List.of("true", "false")) {
      BeamState s = state(mode);
      // Step 1: [1] -0.916 and [eos] -1.204 (tied with [2], lower index first) rank < 2: [eos] finishes.
      s.advance(new float[][] {probs(0.3, 0.4, 0.3)});
      place(s);
      // Step 2: [1, eos] = -1.021, normalised -0.511, fills the second slot (worst -1.204), while the
      // best running beam [2, 1] = -2.003 could still reach -2.003 / 2 = -1.0015 > -1.204.
      s.advance(new float[][] {probs(0.9, 0.05, 0.05), probs(0.1, 0.45, 0.45)});
      assertEquals(mode.equals("true"), s.over(), "early_stopping=" + mode);
      assertEquals(2, s.result(2, false).size());
    }
  }
}
