package dev.sparkgen.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.progress.ProgressLine;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The long-job keys (mode=resume, slices, progress_interval, dry_run): defaults, values, refusals with key and value. */
class LongJobKeysTest {
  private static JobConfig of(String... kv) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return JobConfig.of(m);
  }

  private static String refused(String... kv) {
    return assertThrows(ConfigException.class, () -> of(kv)).getMessage();
  }

  @Test
  void defaultsValuesAndTheirTextRoundTrip() {
    JobConfig d = of();
    assertEquals(JobConfig.WriteMode.ERROR, d.mode());
    assertEquals(16, d.slices());
    assertEquals(10.0, d.progressInterval());
    assertEquals(0, d.dryRun());
    JobConfig c = of("mode", "resume", "slices", "3", "progress_interval", "0.5", "dry_run", "200");
    assertEquals(JobConfig.WriteMode.RESUME, c.mode());
    assertEquals(0.5, c.progressInterval());
    assertEquals(Map.of("mode", "resume", "slices", "3", "progress_interval", "0.5", "dry_run", "200"),
        Map.of("mode", c.asMap().get("mode"), "slices", c.asMap().get("slices"), "progress_interval",
            c.asMap().get("progress_interval"), "dry_run", c.asMap().get("dry_run")));
    assertEquals(c, JobConfig.of(c.asMap()));
    assertEquals("10", d.asMap().get("progress_interval"));
  }

  @Test
  void badValuesAreRefusedWithKeyAndValue() {
    assertEquals("mode='resum': must be one of error, overwrite, resume", refused("mode", "resum"));
    assertEquals("slices=0: must be >= 1", refused("slices", "0"));
    assertEquals("progress_interval=-1: must be a number of seconds >= 0", refused("progress_interval", "-1"));
    assertEquals("progress_interval='10s': not a number of seconds", refused("progress_interval", "10s"));
    assertEquals("dry_run=-5: must be >= 0", refused("dry_run", "-5"));
    // A dry run writes nothing, so it needs no output; a real run does.
    of("input", "in.jsonl", "dry_run", "10").requireInputOutput();
    assertTrue(assertThrows(ConfigException.class, () -> of("input", "in.jsonl").requireInputOutput()).getMessage()
        .startsWith("output is not set"));
    assertTrue(Keys.help().contains("--dry_run=<integer >= 0> (default: 0)"), Keys.help());
  }

  @Test
  void progressLinesReadAsDocumented() {
    assertEquals("sparkgen: progress 120/1000 rows (12.0 %), 3456 generated tokens, 85.2 tokens/s (last 10.0 s),"
        + " 80.1 tokens/s overall, about 2 min 10 s left",
        new ProgressLine(120, 1000, 3456, 85.2, 10.0, 80.1, 130.2).format());
    assertTrue(new ProgressLine(0, 10, 0, 0, 1, 0, Double.NaN).format().endsWith("time left unknown"));
    assertTrue(new ProgressLine(10, 10, 50, 0, 1, 5, 0).format().endsWith("5.0 tokens/s overall, done"));
    assertEquals("3 h 20 min", ProgressLine.duration(12_000));
    assertEquals("45 s", ProgressLine.duration(45));
  }
}
