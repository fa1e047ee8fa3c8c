package dev.sparkgen.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Logits at every prompt position agree with the golden reference within 1e-4, for all four checkpoints. */
class GoldenLogitsTest {
  static final double TOLERANCE = 1e-4;

  static List<String> goldens() {
    return Golden.NAMES;
  }

  @ParameterizedTest
  @MethodSource("goldens")
  void logitsAtEveryPromptPositionMatchReference(String name) {
    Golden g = Golden.load(name);
    JsonArray all = g.json().getAsJsonArray("all_logits");
    try (CausalLm lm = CausalLm.load(g.dir())) {
      List<int[]> prompts = g.prompts();
      double worst = 0;
      for (int p = 0; p < prompts.size(); p++) {
        float[][] got = lm.allLogits(prompts.get(p));
        JsonArray expected = all.get(p).getAsJsonArray();
        assertEquals(expected.size(), got.length, "positions of prompt " + p);
        for (int t = 0; t < got.length; t++) {
          float[] want = Golden.floats(expected.get(t).getAsJsonArray());
          assertEquals(want.length, got[t].length);
          for (int v = 0; v < want.length; v++) {
            worst = Math.max(worst, Math.abs(want[v] - got[t][v]));
          }
        }
      }
      assertTrue(worst <= TOLERANCE, name + ": max |logit difference| " + worst + " > " + TOLERANCE);
    }
  }
}
