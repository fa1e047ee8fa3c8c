package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.job.config.CommandLine;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.progress.ProgressLine;
import dev.sparkgen.job.progress.ProgressReporter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress lines: their format and counts (rows done of the total, generated tokens, rates, time
 * left; the last line equals the summary), and counts that move while a single partition is still
 * generating (executors' heartbeats carry the running task's accumulators). Content, not timing.
 */
class ProgressTest {
  // Heartbeats every 500 ms (also their reply timeout: shorter ones time out on a busy machine): a running task's counts reach the driver within a partition.
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]").config("spark.executor.heartbeatInterval", "500ms");
  @TempDir Path tmp;

  private static final Pattern LINE = Pattern.compile("sparkgen: progress (\\d+)/(\\d+) rows \\((\\d+\\.\\d) %\\),"
      + " (\\d+) generated tokens, (\\d+\\.\\d) tokens/s \\(last (\\d+\\.\\d) s\\), (\\d+\\.\\d) tokens/s overall,"
      + " (about (\\d+ s|\\d+ min \\d+ s|\\d+ h \\d+ min) left|time left unknown|done)");

  private Path prompts(int n) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      lines.add("{\"id\": " + i + ", \"prompt_ids\": [" + (i % 60) + ", " + ((i * 7) % 60) + "]}");
    }
    Path in = tmp.resolve("in.jsonl");
    Files.write(in, lines);
    return in;
  }

  @Test
  void linesCountRowsAndTokensAndTheLastOneEqualsTheSummary() throws Exception {
    Path output = tmp.resolve("out");
    String[] args = {"generate", "--model=" + TestSpark.GPT2_TINY, "--tokenizer=", "--input=" + prompts(16),
        "--output=" + output, "--max_new_tokens=8", "--eos_token_id=none", "--partitions=2", "--batch_size=2",
        "--progress_interval=0.1"};
    JobConfig cfg = CommandLine.parse(args).config().requireInputOutput();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ResolvedModel model = ResolvedModel.resolve(cfg)) {
      assertEquals(Main.OK, Main.execute(spark.session(), cfg, model, new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(new ByteArrayOutputStream())));
    }
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("sparkgen: progress"))
        .toList();
    assertFalse(lines.isEmpty());
    long rows = 0;
    long tokens = 0;
    for (String l : lines) {
      Matcher m = LINE.matcher(l);
      assertTrue(m.matches(), l);
      long done = Long.parseLong(m.group(1));
      long total = Long.parseLong(m.group(2));
      long t = Long.parseLong(m.group(4));
      assertEquals(16, total, l);
      assertTrue(done >= rows && t >= tokens, "counts never go back: " + l);
      assertEquals(String.format(java.util.Locale.ROOT, "%.1f", 100.0 * done / total), m.group(3), l);
      assertEquals(done == total, m.group(8).equals("done"), l);
      rows = done;
      tokens = t;
    }
    JsonObject summary = JsonParser.parseString(Files.readString(output.resolve("_summary.json"))).getAsJsonObject();
    assertEquals(16, rows); // the last line, printed when generation ends
    assertEquals(16 * 8, tokens);
    assertEquals(summary.get("generated_tokens").getAsLong(), tokens);
    assertTrue(summary.get("generated_tokens_per_generation_second").getAsDouble()
        >= summary.get("generated_tokens_per_wall_second").getAsDouble()); // both kept: generation time <= wall time
  }

  @Test
  void countsMoveWhileTheOnlyPartitionIsStillGenerating() throws Exception {
    int n = 48; // x 60 tokens one row at a time: a partition of seconds, several heartbeats long
    JobConfig cfg = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "", "input",
        prompts(n).toString(), "output", tmp.resolve("unused").toString(), "max_new_tokens", "60",
        "eos_token_id", "none", "partitions", "1", "batch_size", "1");
    Dataset<Row> prompts = spark.session().read().json(cfg.input());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GenerationRun run = GenerationRun.prepare(spark.session(), cfg);
        ProgressReporter reporter = new ProgressReporter(spark.session().sparkContext(), run.progress(), n, 0, 0,
            new PrintStream(out, true, StandardCharsets.UTF_8))) {
      CompletableFuture<Long> job = CompletableFuture.supplyAsync(() -> run.apply(prompts).count());
      List<ProgressLine> midway = new ArrayList<>();
      while (!job.isDone()) {
        ProgressLine line = reporter.line();
        if (line.rowsDone() > 0 && !job.isDone()) {
          midway.add(line);
        }
        Thread.sleep(20);
      }
      assertEquals(n, job.get());
      // The one task's counts arrived before it ended (a finished task's alone would jump from 0 to n).
      assertTrue(midway.stream().anyMatch(l -> l.rowsDone() < n && l.tokens() == 60L * l.rowsDone()),
          "no partial count seen: " + midway);
      ProgressLine end = reporter.line();
      assertEquals(n, end.rowsDone());
      assertEquals(60L * n, end.tokens());
    }
  }
}
