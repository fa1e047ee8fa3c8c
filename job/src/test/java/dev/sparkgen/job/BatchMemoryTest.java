package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparkgen.job.driver.BatchMemory;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.generate.GenerationConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-batch memory bound and the max_batch_memory setting; no Spark, no weights. */
class BatchMemoryTest {
  /** GPT-2 small's shape: 12 layers, 12 heads of 64, context 1024, vocabulary 50257, MLP 3072. */
  static final ModelConfig GPT2_SMALL = new ModelConfig(ModelFamily.GPT2, 50257, 768, 12, 12, 12, 64, 3072, 1024, 1e-5,
      0, true, true, true, 50256, List.of(50256));

  @Test
  void gpt2SmallBatchOfEightAtFullContextNeedsAboutOneAndAHalfGib() {
    GenerationConfig g = GenerationConfig.fromMap(Map.of("max_new_tokens", "20"), GenerationConfig.defaults());
    BatchMemory m = BatchMemory.of(GPT2_SMALL, g, 8);
    assertEquals(8, m.rows());
    assertEquals(1023 + 20, m.positions());
    assertEquals(2L * 12 * 8 * 12 * 1043 * 64 * 4, m.kvCache());
    assertEquals(2L * 8 * 12 * 1023 * 1023 * 4, m.attention());
    assertEquals(8L * 1023 * (36 * 64 + 3072 + 2 * 768) * 4, m.activations());
    assertEquals(2L * 8 * 50257 * 4, m.logits());
    assertEquals(1_648_408_384L, m.total());
    assertEquals("1.5 GiB", BatchMemory.size(m.total()));
    assertEquals(20, BatchMemory.largestFitting(GPT2_SMALL, g, 4L << 30, 64)); // the default budget
  }

  @Test
  void rowsCountSamplesAndBeamsPerPrompt() {
    GenerationConfig samples = GenerationConfig.fromMap(Map.of("do_sample", "true", "num_return_sequences", "3"),
        GenerationConfig.defaults());
    assertEquals(6, BatchMemory.of(GPT2_SMALL, samples, 8).rows()); // 8 / 3 = 2 prompts of 3 rows
    assertEquals(3, BatchMemory.of(GPT2_SMALL, samples, 1).rows()); // at least one prompt
    GenerationConfig beams = GenerationConfig.fromMap(Map.of("num_beams", "4"), GenerationConfig.defaults());
    assertEquals(8, BatchMemory.of(GPT2_SMALL, beams, 8).rows());
  }

  @Test
  void maxBatchMemoryTakesSizesWithUnitsAndRefusesOthersNamingKeyAndValue() {
    assertEquals(4L << 30, TestSpark.settings().maxBatchMemory()); // the default, 4g
    assertEquals(512L << 20, TestSpark.settings("max_batch_memory", "512m").maxBatchMemory());
    assertEquals(3L << 29, TestSpark.settings("max_batch_memory", "1.5G").maxBatchMemory());
    assertEquals(1000, TestSpark.settings("max_batch_memory", "1000").maxBatchMemory());
    assertEquals(2L << 30, TestSpark.settings("max_batch_memory", "2gb").maxBatchMemory());
    ConfigException e = assertThrows(ConfigException.class, () -> TestSpark.settings("max_batch_memory", "lots"));
    assertEquals("max_batch_memory='lots': not a size (bytes, or a number with k, m, g or t)", e.getMessage());
    e = assertThrows(ConfigException.class, () -> TestSpark.settings("max_batch_memory", "0"));
    assertEquals("max_batch_memory='0': must be a size > 0", e.getMessage());
  }

  @Test
  void faultHookIsOffByDefaultAndItsTextIsChecked() {
    assertEquals(dev.sparkgen.job.exec.FaultHook.OFF, TestSpark.settings().fault());
    assertEquals("fail_first_attempt:0,2", TestSpark.settings("fault", "fail_first_attempt:2,0").asMap().get("fault"));
    ConfigException e = assertThrows(ConfigException.class, () -> TestSpark.settings("fault", "explode:1"));
    assertEquals("fault='explode:1': must be fail_first_attempt:P,.., fail_every_attempt:P,.. or kill_executor:P"
        + " (P = partition numbers)", e.getMessage());
    e = assertThrows(ConfigException.class, () -> TestSpark.settings("fault", "kill_executor:x"));
    assertEquals("fault='kill_executor:x': 'x' is not a partition number", e.getMessage());
  }
}
