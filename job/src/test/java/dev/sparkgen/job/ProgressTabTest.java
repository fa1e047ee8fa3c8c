package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.progress.ProgressReporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
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
 * The Spark UI's "Sparkgen" tab: while the only partition still generates, the page shows counts
 * that move (rows done below the total, tokens = rows x max_new_tokens) and the lines printed so
 * far; the tab is gone once the reporter is closed.
 */
class ProgressTabTest {
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]").config("spark.ui.enabled", "true").config("spark.ui.port", "0")
      .config("spark.executor.heartbeatInterval", "500ms");
  @TempDir Path tmp;
  private static final Pattern NOW = Pattern.compile(
      "<p id=\"sparkgen-progress\"><strong>sparkgen: progress (\\d+)/(\\d+) rows .*?, (\\d+) generated tokens");

  @Test
  void theTabShowsCountsThatMoveWhileTheOnlyPartitionGenerates() throws Exception {
    int n = 48;
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      lines.add("{\"id\": " + i + ", \"prompt_ids\": [" + (i % 60) + ", " + ((i * 7) % 60) + "]}");
    }
    Path in = tmp.resolve("in.jsonl");
    Files.write(in, lines);
    JobConfig cfg = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "", "input", in.toString(),
        "output", tmp.resolve("unused").toString(), "max_new_tokens", "60", "eos_token_id", "none", "partitions", "1",
        "batch_size", "1");
    Dataset<Row> prompts = spark.session().read().json(cfg.input());
    String page = spark.session().sparkContext().uiWebUrl().get() + "/sparkgen/";
    List<long[]> midway = new ArrayList<>();
    String last = "";
    try (GenerationRun run = GenerationRun.prepare(spark.session(), cfg);
        ProgressReporter reporter = new ProgressReporter(spark.session().sparkContext(), run.progress(), n, 0, 0.2,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
      CompletableFuture<Long> job = CompletableFuture.supplyAsync(() -> run.apply(prompts).count());
      while (!job.isDone()) {
        last = get(page);
        Matcher m = NOW.matcher(last);
        assertTrue(m.find(), last);
        assertEquals(n, Long.parseLong(m.group(2)));
        long done = Long.parseLong(m.group(1));
        if (done > 0 && !job.isDone()) {
          midway.add(new long[] {done, Long.parseLong(m.group(3))});
        }
        Thread.sleep(50);
      }
      assertEquals(n, job.get());
      assertTrue(midway.stream().anyMatch(c -> c[0] < n && c[1] == 60L * c[0]),
          "no partial count on the page: " + midway.size() + " reads\n" + last);
      assertTrue(get(page).contains("<td>sparkgen: progress "), "the printed lines are listed");
    }
    HttpURLConnection gone = (HttpURLConnection) URI.create(page).toURL().openConnection();
    // Detached with the reporter: Spark answers 404, or its jobs page for a path it no longer serves.
    assertTrue(gone.getResponseCode() == 404 || !get(page).contains("sparkgen-progress"), "the tab is still there");
  }

  private static String get(String url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
    c.setInstanceFollowRedirects(true);
    try (var s = c.getInputStream()) {
      return new String(s.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
