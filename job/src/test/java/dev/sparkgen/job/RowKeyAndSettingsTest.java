package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.job.exec.RowKey;
import dev.sparkgen.job.io.PromptReader;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Row keys, the serialisable generation settings and input-format inference; no Spark session. */
class RowKeyAndSettingsTest {

  @Test
  void rowKeyDependsOnTheIdTextOnly() {
    assertEquals(RowKey.of(7), RowKey.of(7L));
    assertEquals(RowKey.of(7), RowKey.of("7"));
    Set<Long> keys = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      keys.add(RowKey.of(i));
    }
    assertEquals(10_000, keys.size()); // no collisions among nearby ids
    assertNotEquals(RowKey.of(new int[] {1, 2}), RowKey.of(new int[] {2, 1}));
  }

  @Test
  void inputFormatFollowsTheExtension() {
    assertEquals(JobConfig.InputFormat.PARQUET, PromptReader.infer("data/prompts.parquet/"));
    assertEquals(JobConfig.InputFormat.JSON, PromptReader.infer("p.jsonl"));
    assertEquals(JobConfig.InputFormat.CSV, PromptReader.infer("P.CSV"));
    assertEquals(JobConfig.InputFormat.TEXT, PromptReader.infer("lines.txt"));
    SetupException e = assertThrows(SetupException.class, () -> PromptReader.infer("prompts.bin"));
    assertEquals(true, e.getMessage().contains("set input_format"), e.getMessage());
    // A folder or a name without an extension is Parquet, as Spark's default source (README's hdfs:///prompts).
    assertEquals(JobConfig.InputFormat.PARQUET, PromptReader.infer("hdfs:///prompts"));
    assertEquals(JobConfig.InputFormat.PARQUET, PromptReader.infer("/data/prompts/"));
    assertEquals(JobConfig.InputFormat.PARQUET, PromptReader.infer("/data/prompts.v2", true)); // a folder
    assertEquals(JobConfig.InputFormat.JSON, PromptReader.infer("/data/out.json", true)); // Spark's JSON output folder
    assertThrows(SetupException.class, () -> PromptReader.infer("/data/prompts.v2", false));
  }
}
