package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.job.config.CommandLine;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.io.DryRunReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * dry_run=N: N sampled rows are generated, nothing is written to the output, and the report's
 * numbers agree with the rows generated (every prompt 3 tokens, every sequence exactly 4) and with
 * each other (rates over task seconds, projections from the per-slot rate).
 */
class DryRunTest {
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]");
  @TempDir Path tmp;

  @Test
  void aDryRunGeneratesTheSampleWritesNothingAndReportsConsistentFigures() throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 40; i++) { // no ids: rows are keyed by their line
      lines.add("{\"prompt_ids\": [" + (i % 60) + ", 5, " + ((i * 11) % 60) + "]}");
    }
    Path input = tmp.resolve("in.jsonl");
    Files.write(input, lines);
    Path output = tmp.resolve("out");
    String[] args = {"generate", "--model=" + TestSpark.GPT2_TINY, "--tokenizer=", "--input=" + input,
        "--output=" + output, "--dry_run=6", "--num_return_sequences=2", "--do_sample=true", "--max_new_tokens=4",
        "--min_new_tokens=4", "--batch_size=4"};
    JobConfig cfg = CommandLine.parse(args).config().requireInputOutput();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ResolvedModel model = ResolvedModel.resolve(cfg)) {
      assertEquals(Main.OK, Main.execute(spark.session(), cfg, model, new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(new ByteArrayOutputStream())));
    }
    assertFalse(Files.exists(output), "a dry run writes nothing to the output");
    Path file = Path.of(DryRunReport.file(output.toString()));
    JsonObject r = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    assertEquals(40, r.get("input_rows").getAsLong());
    assertEquals(6, r.get("sampled_rows").getAsLong());
    assertEquals(12, r.get("output_rows").getAsLong());
    assertEquals(0, r.get("errors").getAsLong());
    assertEquals(2, r.get("task_slots").getAsInt()); // local[2]
    assertEquals(2, r.get("sample_tasks").getAsInt()); // 6 prompts, 2 per batch of 4 rows: 3 batches, at most 2 slots
    assertEquals(6 * 3, r.get("prompt_tokens").getAsLong());
    assertEquals(12 * 4, r.get("generated_tokens").getAsLong());
    assertEquals(3.0, r.get("mean_prompt_tokens").getAsDouble());
    assertEquals(4.0, r.get("mean_output_tokens").getAsDouble());
    double taskSeconds = r.get("task_seconds").getAsDouble();
    assertTrue(taskSeconds > 0);
    double rowsPerSlotSecond = r.get("rows_per_slot_second").getAsDouble();
    assertEquals(48 / taskSeconds, r.get("tokens_per_slot_second").getAsDouble(), 1e-9 * 48 / taskSeconds);
    assertEquals(6 / taskSeconds, rowsPerSlotSecond, 1e-9 * 6 / taskSeconds);
    double fixed = r.get("fixed_seconds").getAsDouble();
    assertTrue(fixed >= 0 && fixed < r.get("wall_seconds").getAsDouble());
    assertEquals(fixed + 40 / rowsPerSlotSecond / 2, r.get("projected_wall_seconds").getAsDouble(), 1e-6);
    assertEquals(fixed + 40 / rowsPerSlotSecond / 100, r.get("projected_wall_seconds_per_100_slots").getAsDouble(),
        1e-6);
    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("sparkgen: dry run: generated 6 of 40 input rows (12 output rows, 0 with error) in 2"
        + " tasks"), printed);
    assertTrue(printed.contains("mean prompt 3.0 tokens, mean output 4.0 tokens per sequence"), printed);
    assertTrue(printed.contains("nothing was written to the output"), printed);
  }
}
