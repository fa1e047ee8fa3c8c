package dev.sparkgen.model.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-batch memory estimate from the prompts' lengths; no weights. */
class BatchMemoryTest {
  /** GPT-2 small's shape: 12 layers, 12 heads of 64, context 1024, vocabulary 50257, MLP 3072. */
  static final ModelConfig GPT2_SMALL = new ModelConfig(ModelFamily.GPT2, 50257, 768, 12, 12, 12, 64, 3072, 1024, 1e-5,
      0, true, true, true, 50256, List.of(50256));
  /** SmolLM2-360M's shape: 32 layers, 15 heads and 5 KV heads of 64, context 2048, vocabulary 49152, MLP 2560. */
  static final ModelConfig SMOLLM2_360M = new ModelConfig(ModelFamily.LLAMA, 49152, 960, 32, 15, 5, 64, 2560, 2048,
      1e-5, 100000.0, true, false, false, 1, List.of(2));
  /** Llama 3.1 8B's shape: 32 layers, 32 heads and 8 KV heads of 128, context 131072, vocabulary 128256, MLP 14336. */
  static final ModelConfig LLAMA_8B = new ModelConfig(ModelFamily.LLAMA, 128256, 4096, 32, 32, 8, 128, 14336, 131072,
      1e-5, 500000.0, false, false, false, 128000, List.of(128001));

  private static GenerationConfig config(String... kv) {
    Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return GenerationConfig.fromMap(m, GenerationConfig.defaults());
  }

  @Test
  void staticBatchOfGpt2SmallFromItsLongestPrompt() {
    GenerationConfig g = config("max_new_tokens", "20");
    BatchMemory m = BatchMemory.of(GPT2_SMALL, g, Scheduler.STATIC, 8, 100, false);
    assertEquals(8, m.rows());
    assertEquals(100 + 20, m.slots());
    assertEquals(2L * 12 * 8 * 12 * 120 * 64 * 4, m.kvCache());
    assertEquals(0, m.prefixes());
    assertEquals(2L * 8 * 12 * 100 * 100 * 4, m.attention()); // 7.7 MB: one chunk
    assertEquals(8L * 100 * (36 * 64 + 3072 + 2 * 768) * 4, m.activations());
    assertEquals(2L * 8 * 50257 * 4, m.logits());
    assertEquals(m.kvCache() + m.attention() + m.activations() + m.logits(), m.total());
  }

  @Test
  void continuousBatchHoldsBatchSizeRowsOfHalfAgainTheSpanAndPrefillsTheRowsPromptsTogether() {
    GenerationConfig g = config("max_new_tokens", "20", "do_sample", "true", "num_return_sequences", "3");
    BatchMemory m = BatchMemory.of(GPT2_SMALL, g, Scheduler.CONTINUOUS, 8, 100, true);
    assertEquals(8, m.rows()); // rows, not whole prompts: a prompt's samples may join at other times
    assertEquals(120 + 60, m.slots());
    // 8 rows hold 2 prompts of 3 samples: one admission prefills both, in a cache of 2 x 100 slots.
    assertEquals(2L * 12 * 8 * 12 * 180 * 64 * 4 + 2L * 12 * 2 * 12 * 100 * 64 * 4, m.kvCache());
    assertEquals(4L * 100 * 2 * 12 * 12 * 64 * 4, m.prefixes());
    assertEquals(Math.max(2L * 2 * 12 * 100 * 100 * 4, 2L * 8 * 12 * 180 * 4), m.attention());
    assertEquals(2L * 100 * (36 * 64 + 3072 + 2 * 768) * 4, m.activations());
    // Greedy, 32 rows: at most ADMITTED_PROMPTS (8) prompts per admission.
    BatchMemory greedy = BatchMemory.of(GPT2_SMALL, config("max_new_tokens", "20"), Scheduler.CONTINUOUS, 32, 100, true);
    assertEquals(8L * 100 * (36 * 64 + 3072 + 2 * 768) * 4, greedy.activations());
    assertEquals(2L * 12 * 32 * 12 * 180 * 64 * 4 + 2L * 12 * 8 * 12 * 100 * 64 * 4, greedy.kvCache());
    // One row: one prompt per admission, prefilled in place (no cache of its own).
    BatchMemory one = BatchMemory.of(GPT2_SMALL, config("max_new_tokens", "20"), Scheduler.CONTINUOUS, 1, 100, true);
    assertEquals(2L * 12 * 1 * 12 * 180 * 64 * 4, one.kvCache());
    assertEquals(3, BatchMemory.of(GPT2_SMALL, g, Scheduler.CONTINUOUS, 1, 100, false).rows()); // one prompt's samples
    // Beam search is static whatever the scheduler: 8 rows are 2 prompts of 4 beams, prefilled together.
    GenerationConfig beams = config("num_beams", "4", "max_new_tokens", "20");
    assertEquals(BatchMemory.of(GPT2_SMALL, beams, Scheduler.STATIC, 8, 100, true),
        BatchMemory.of(GPT2_SMALL, beams, Scheduler.CONTINUOUS, 8, 100, true));
  }

  @Test
  void issue14Smollm2AtBatch16ForShortPromptsNeedsAFractionOfWhatTheWholeContextDid() {
    // Issue 14: sized for the whole context this batch "may need 10.8 GiB, 7.5 GiB of it prefill
    // attention scores"; from the rows' real lengths (32 + 32 new tokens) it is small.
    GenerationConfig g = config("max_new_tokens", "32");
    BatchMemory m = BatchMemory.of(SMOLLM2_360M, g, Scheduler.CONTINUOUS, 16, 32, true);
    assertTrue(m.total() < 200L << 20, m.describe());
    assertEquals(64, BatchMemory.largestFitting(SMOLLM2_360M, g, Scheduler.CONTINUOUS, 4L << 30, 32, true, 64));
    // A prompt filling the context is prefilled in chunks: scores stay within the chunk budget.
    BatchMemory full = BatchMemory.of(SMOLLM2_360M, g, Scheduler.STATIC, 16, 2047, false);
    long chunk = CausalLm.prefillChunk(15, 16, 2047);
    assertTrue(chunk < 2047);
    assertEquals(2L * 16 * 15 * chunk * 2047 * 4, full.attention());
    assertTrue(full.attention() <= CausalLm.PREFILL_ATTENTION_BYTES, full.describe());
  }

  @Test
  void contextsOf131kFitTheDefaultBudgetForTheirRealLengths() {
    // Issue 12's leftover: a 131072-token context was refused at 4g because every row was assumed full.
    GenerationConfig g = config("max_new_tokens", "256");
    int rows = BatchMemory.largestFitting(LLAMA_8B, g, Scheduler.CONTINUOUS, 4L << 30, 512, true, 64);
    assertTrue(rows >= 8, "rows: " + rows);
    assertTrue(BatchMemory.of(LLAMA_8B, g, Scheduler.CONTINUOUS, 1, 131071, true).total() > 4L << 30);
  }

  @Test
  void largestFittingIsTheLastSizeWithinTheBudget() {
    GenerationConfig g = config("max_new_tokens", "64");
    for (Scheduler s : Scheduler.values()) {
      long budget = 300L << 20;
      int fits = BatchMemory.largestFitting(GPT2_SMALL, g, s, budget, 200, true, 1000);
      assertTrue(fits > 1 && fits < 1000, s + ": " + fits);
      assertTrue(BatchMemory.of(GPT2_SMALL, g, s, fits, 200, true).total() <= budget);
      assertTrue(BatchMemory.of(GPT2_SMALL, g, s, fits + 1, 200, true).total() > budget);
    }
    assertEquals(0, BatchMemory.largestFitting(GPT2_SMALL, g, Scheduler.CONTINUOUS, 1000, 200, true, 64));
  }
}
