package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.exec.Batching;
import dev.sparkgen.model.generate.BatchMemory;
import dev.sparkgen.model.generate.Scheduler;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.generate.GenerationConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Batch sizing settings (batch_size, scheduler, prefix_min_tokens, max_batch_memory) and {@link Batching}; no Spark, no weights. */
class BatchingTest {
  /** SmolLM2-360M's shape: 32 layers, 15 heads and 5 KV heads of 64, context 2048, vocabulary 49152, MLP 2560. */
  static final ModelConfig SMOLLM2_360M = new ModelConfig(ModelFamily.LLAMA, 49152, 960, 32, 15, 5, 64, 2560, 2048,
      1e-5, 100000.0, true, false, false, 1, List.of(2));

  @Test
  void batchSizeIsAutoByDefaultAndSchedulerContinuousWithPrefixReuseFrom32Tokens() {
    JobConfig c = TestSpark.settings();
    assertEquals(0, c.batchSize());
    assertEquals("auto", c.asMap().get("batch_size"));
    assertEquals(Scheduler.CONTINUOUS, c.scheduler());
    assertEquals(32, c.prefixMinTokens());
    assertEquals(new Batching(Scheduler.CONTINUOUS, 0, 4L << 30, 32), c.batching());
    JobConfig set = TestSpark.settings("batch_size", "16", "scheduler", "Static", "prefix_min_tokens", "0");
    assertEquals(new Batching(Scheduler.STATIC, 16, 4L << 30, 0), set.batching());
    assertEquals("static", set.asMap().get("scheduler"));
    assertEquals(set, JobConfig.of(set.asMap()));
    assertEquals("batch_size='many': must be auto or an integer >= 1",
        assertThrows(ConfigException.class, () -> TestSpark.settings("batch_size", "many")).getMessage());
    assertEquals("batch_size=0: must be >= 1",
        assertThrows(ConfigException.class, () -> TestSpark.settings("batch_size", "0")).getMessage());
    assertEquals("scheduler='dynamic': must be continuous or static",
        assertThrows(ConfigException.class, () -> TestSpark.settings("scheduler", "dynamic")).getMessage());
    assertEquals("prefix_min_tokens=-1: must be >= 0",
        assertThrows(ConfigException.class, () -> TestSpark.settings("prefix_min_tokens", "-1")).getMessage());
  }

  @Test
  void autoSizesFromThePartitionsLongestPromptAndASetBatchSizeIsAnUpperBound() {
    GenerationConfig g = GenerationConfig.fromMap(Map.of("max_new_tokens", "32"), GenerationConfig.defaults());
    Batching auto = TestSpark.settings().batching();
    // Issue 14: SmolLM2-360M at batch 16 for 32-token prompts was refused ("may need 10.8 GiB").
    assertEquals(Batching.AUTO_MAX_ROWS, auto.rows(SMOLLM2_360M, g, 32));
    assertEquals(BatchMemory.largestFitting(SMOLLM2_360M, g, Scheduler.CONTINUOUS, 4L << 30, 2047, true, 64),
        auto.rows(SMOLLM2_360M, g, 2047));
    assertTrue(auto.rows(SMOLLM2_360M, g, 2047) < auto.rows(SMOLLM2_360M, g, 512));
    Batching sixteen = TestSpark.settings("batch_size", "16").batching();
    assertEquals(16, sixteen.rows(SMOLLM2_360M, g, 32));
    assertEquals(Math.min(16, auto.rows(SMOLLM2_360M, g, 2047)), sixteen.rows(SMOLLM2_360M, g, 2047));
    String line = auto.describe(SMOLLM2_360M, g);
    assertTrue(line.startsWith("batch_size=auto, scheduler=continuous, shared prefixes of 32+ tokens reused: each"
        + " partition sizes its batches from its longest prompt against max_batch_memory=4.0 GiB (at most 64 rows);"
        + " with max_new_tokens=32 that is 64 rows for prompts of 32 tokens, "), line);
    assertTrue(line.endsWith(auto.rows(SMOLLM2_360M, g, 2047) + " rows for prompts of 2047 tokens (the context)"), line);
    GenerationConfig beams = GenerationConfig.fromMap(Map.of("num_beams", "3"), GenerationConfig.defaults());
    assertEquals(Scheduler.STATIC, auto.scheduler(beams));
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
