package dev.sparkgen.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Native memory does not grow with the number of decode steps: every per-step tensor is closed, so
 * the NDArrays under the model's manager stay constant, and closing a batch returns to the weights.
 */
class NativeMemoryTest {
  static final int STEPS = 200;

  @Test
  void longDecodeLoopWithSelectsKeepsTheArrayCountConstant() {
    // Plus the tiny phi3 (sliding window, longrope re-run at the 7th token) and qwen3 (q/k norms),
    // with a context long enough for the loop.
    List<ModelConfig> configs = List.of(TinyModels.gpt2(50, 16, 2, 2, 32, 256),
        new ModelConfig(ModelFamily.LLAMA, 50, 16, 2, 4, 2, 4, 32, 256, 1e-6, 1e4, false, true, true, null, List.of()),
        tiny("phi3").toBuilder().sizes(50, 32, 2, 2, 1, 16, 48, 256).build(),
        tiny("qwen3").toBuilder().sizes(50, 32, 2, 4, 2, 16, 48, 256).build());
    for (ModelConfig config : configs) {
      try (CausalLm lm = TinyModels.model(config, 7)) {
        int weights = arrays(lm);
        SplittableRandom r = new SplittableRandom(3);
        try (DecodeBatch batch = lm.open(List.of(TinyModels.tokens(r, 5, 50), TinyModels.tokens(r, 3, 50)), STEPS + 5)) {
          batch.prefill();
          batch.step(TinyModels.tokens(r, 2, 50));
          int steady = arrays(lm);
          for (int s = 0; s < STEPS; s++) {
            batch.step(TinyModels.tokens(r, 2, 50));
            if (s % 50 == 49) {
              batch.select(new int[] {1, 0}); // reorder: reallocates the cache once
            }
            assertEquals(steady, arrays(lm), config.family() + ": arrays after step " + s);
          }
        }
        assertEquals(weights, arrays(lm), config.family() + ": arrays after the batch closed");
      }
    }
  }

  /**
   * A continuous batch replacing a row every few steps (prompts of 1 to 12 tokens, some sharing a
   * stored prefix, rows moving within and growing the cache, longrope rows re-run, both rows
   * admitted in one call every ten steps) holds a bounded
   * number of arrays: the cache, the rope table, the step mask and at most a few stored prefixes.
   */
  @Test
  void continuousBatchWithAdmissionsKeepsTheArrayCountBounded() {
    for (ModelConfig config : List.of(TinyModels.gpt2(50, 16, 2, 2, 32, 256),
        tiny("phi3").toBuilder().sizes(50, 32, 2, 2, 1, 16, 48, 256).build())) {
      try (CausalLm lm = TinyModels.model(config, 7)) {
        int weights = arrays(lm);
        SplittableRandom r = new SplittableRandom(4);
        int[] prefix = TinyModels.tokens(r, 5, 50);
        try (DecodeBatch batch = lm.openContinuous(2, 3, 8)) {
          batch.admit(new int[] {0}, TinyModels.tokens(r, 3, 50), 0);
          batch.admit(new int[] {1}, TinyModels.tokens(r, 2, 50), 0);
          int[] age = new int[2];
          int most = 0;
          int settled = -1;
          for (int s = 0; s < STEPS; s++) {
            batch.step(TinyModels.tokens(r, 2, 50));
            if (s % 10 == 9) { // both rows at once, one call: its own cache, a prefix computed in it and stored
              batch.admit(List.of(new Admission(new int[] {1}, concat(prefix, TinyModels.tokens(r, 3, 50)), 5),
                  new Admission(new int[] {0}, TinyModels.tokens(r, 1 + r.nextInt(12), 50), 0)));
              age[0] = 0;
              age[1] = 0;
            }
            for (int row = 0; row < 2; row++) {
              if (++age[row] == 5 + 3 * row) {
                int[] prompt = s % 3 == 0 ? TinyModels.tokens(r, 1 + r.nextInt(12), 50)
                    : concat(prefix, TinyModels.tokens(r, 1 + r.nextInt(4), 50));
                batch.admit(new int[] {row}, prompt, s % 3 == 0 ? 0 : prefix.length);
                age[row] = 0;
              }
            }
            if (s == 50) {
              settled = arrays(lm);
            }
            most = Math.max(most, arrays(lm));
          }
          assertTrue(most <= settled + 8, config.family() + ": arrays grew from " + settled + " to " + most);
        }
        assertEquals(weights, arrays(lm), config.family() + ": arrays after the batch closed");
      }
    }
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static ModelConfig tiny(String modelType) {
    return TinyModels.all().stream().map(TinyModels.Named::config)
        .filter(c -> c.family().modelType().equals(modelType)).findFirst().orElseThrow();
  }

  /** NDArrays attached, directly or through sub-managers, to the model's manager. */
  private static int arrays(CausalLm lm) {
    return lm.manager().getManagedArrays().size();
  }
}
