package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.model.generate.BatchMemory;
import dev.sparkgen.model.generate.Scheduler;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.exec.RowKey;
import dev.sparkgen.model.generate.Sequence;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every row accounted for: bad rows get their exact error (one row per sample) while the others
 * are generated, on_error=fail stops the job naming the row, failed tasks are retried to the same
 * output, a job whose task always fails leaves nothing behind, and the exit codes say which.
 * One {@code local[2,4]} session: two task slots, up to four attempts per task.
 */
class ReliabilityTest {
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2,4]");
  private static final AtomicInteger FAILED_TASKS = new AtomicInteger();
  @TempDir Path tmp;

  /** The golden GPT-2: vocabulary 64, context 64, eos 63. */
  private static final String MODEL = TestSpark.GPT2_TINY.toString();

  @BeforeAll
  static void start() {
    spark.session().sparkContext().addSparkListener(new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskInfo().failed()) {
          FAILED_TASKS.incrementAndGet();
        }
      }
    });
  }

  @Test
  void everyBadRowGetsItsExactErrorOncePerSampleWhileTheOthersAreGenerated() throws Exception {
    Path input = jsonl("in.jsonl",
        "{\"id\": 1, \"prompt_ids\": [42, 7]}",
        "{\"id\": 2}",
        "{\"id\": 3, \"prompt\": \"\"}",
        "{\"id\": 4, \"prompt_ids\": []}",
        "{\"id\": 5, \"prompt_ids\": [5, 64]}",
        "{\"id\": 6, \"prompt_ids\": [4294967297]}",
        "{\"id\": 7, \"prompt_ids\": [3, null]}",
        "{\"id\": 8, \"prompt_ids\": " + Arrays.toString(IntStream.range(0, 64).toArray()) + "}",
        "{\"id\": 9, \"prompt_ids\": [9, 9, 9]}");
    JobConfig cfg = TestSpark.settings("model", MODEL, "tokenizer", "", "input", input.toString(),
        "output", tmp.resolve("out").toString(), "max_new_tokens", "3", "do_sample", "true", "seed", "4",
        "num_return_sequences", "2", "partitions", "2");
    List<Row> out = runAndRead(cfg, Main.ROW_ERRORS);
    assertEquals(9 * 2, out.size()); // rows in x samples
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("2", "no prompt: prompt_ids and prompt null");
    expected.put("3", "prompt is empty");
    expected.put("4", "the prompt has no tokens");
    expected.put("5", "token id 64 at position 1 is outside the vocabulary [0, 64)");
    expected.put("6", "token id 4294967297 at position 0 is outside the vocabulary [0, 64)");
    expected.put("7", "prompt_ids[1] is null");
    expected.put("8", "the prompt has 64 tokens; the model's context is 64 positions, so at most 63 fit with room to"
        + " generate (truncation=left keeps the last 63)");
    try (ResolvedModel model = ResolvedModel.resolve(cfg)) {
      for (Row r : out) {
        String id = String.valueOf(r.<Long>getAs("id"));
        assertEquals(expected.get(id), r.getAs("error"), "id " + id);
        if (expected.containsKey(id)) {
          assertNull(r.getAs("generated_token_ids"));
          assertNull(r.getAs("finish_reason"));
        } else {
          int[] prompt = id.equals("1") ? new int[] {42, 7} : new int[] {9, 9, 9};
          assertArrayEquals(TestSpark.alone(model, null, RowKey.of(Long.parseLong(id)), prompt)
              .get(r.<Integer>getAs("sample_index")).tokenIds(), ints(r), "id " + id);
        }
      }
    }
    for (String id : List.of("1", "2", "8", "9")) { // sample indexes 0 and 1 for good and bad rows alike
      assertEquals(List.of(0, 1), out.stream().filter(r -> String.valueOf(r.<Long>getAs("id")).equals(id))
          .map(r -> r.<Integer>getAs("sample_index")).sorted().toList(), "id " + id);
    }
    JsonObject summary = summary("out");
    assertEquals(9, summary.get("rows_in").getAsLong());
    assertEquals(18, summary.get("rows_out").getAsLong());
    assertEquals(14, summary.get("errors").getAsLong());
    assertEquals(7, summary.get("failed_prompts").getAsLong());
  }

  @Test
  void textTheTokenizerRejectsOrMapsOutsideTheModelsVocabularyIsAnErrorRow() throws Exception {
    // A word-level tokenizer whose unknown token is missing from its vocabulary cannot encode unseen
    // words; its word 'world' has id 100, beyond the golden model's 64.
    StringBuilder vocab = new StringBuilder("\"hello\": 0, \"world\": 100");
    for (int i = 1; i < 64; i++) {
      vocab.append(", \"w").append(i).append("\": ").append(i);
    }
    Path tokenizer = tmp.resolve("words.json");
    Files.writeString(tokenizer, "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": [],"
        + " \"normalizer\": null, \"pre_tokenizer\": {\"type\": \"Whitespace\"}, \"post_processor\": null, \"decoder\": null,"
        + " \"model\": {\"type\": \"WordLevel\", \"vocab\": {" + vocab + "}, \"unk_token\": \"[UNK]\"}}");
    Path input = jsonl("text.jsonl", "{\"id\": \"a\", \"prompt\": \"hello w5 w9\"}",
        "{\"id\": \"b\", \"prompt\": \"hello there\"}", "{\"id\": \"c\", \"prompt\": \"hello world\"}");
    JobConfig cfg = TestSpark.settings("model", MODEL, "tokenizer", tokenizer.toString(), "input", input.toString(),
        "output", tmp.resolve("out").toString(), "max_new_tokens", "2", "eos_token_id", "none");
    Map<String, Row> byId = new HashMap<>();
    runAndRead(cfg, Main.ROW_ERRORS).forEach(r -> byId.put(r.getAs("id"), r));
    assertEquals("cannot tokenise prompt: WordLevel error: Missing [UNK] token from the vocabulary",
        byId.get("b").getAs("error"));
    assertEquals("the tokenizer gave token id 100 at position 1, outside the model's vocabulary [0, 64)",
        byId.get("c").getAs("error"));
    assertNull(byId.get("a").getAs("error"));
    assertEquals(3, byId.get("a").<Integer>getAs("num_prompt_tokens"));
    assertEquals(2, byId.get("a").getList(byId.get("a").fieldIndex("generated_token_ids")).size());
  }

  @Test
  void truncationLeftKeepsTheLastContextMinusOneTokensAndGeneratesOne() throws Exception {
    int[] prompt = IntStream.range(0, 70).map(i -> (i * 7) % 63).toArray();
    Path input = jsonl("long.jsonl", "{\"id\": 1, \"prompt_ids\": " + Arrays.toString(prompt) + "}");
    JobConfig cfg = TestSpark.settings("model", MODEL, "tokenizer", "", "input", input.toString(),
        "output", tmp.resolve("out").toString(), "max_new_tokens", "5", "eos_token_id", "none", "truncation", "left");
    Row r = runAndRead(cfg, Main.OK).get(0);
    assertNull(r.getAs("error"));
    assertEquals(63, r.<Integer>getAs("num_prompt_tokens"));
    assertEquals("length", r.getAs("finish_reason"));
    try (ResolvedModel model = ResolvedModel.resolve(cfg)) {
      Sequence alone = TestSpark.alone(model, null, RowKey.of(1L), Arrays.copyOfRange(prompt, 7, 70)).get(0);
      assertEquals(1, alone.tokenIds().length); // 63 + 1 = the context of 64
      assertArrayEquals(alone.tokenIds(), ints(r));
    }
  }

  @Test
  void maxNewTokensPastTheContextStopsAtTheContextWithReasonLength() throws Exception {
    int[] prompt = IntStream.range(0, 60).map(i -> (i * 5) % 63).toArray();
    Path input = jsonl("near.jsonl", "{\"id\": 1, \"prompt_ids\": " + Arrays.toString(prompt) + "}",
        "{\"id\": 2, \"prompt_ids\": [1, 2]}");
    JobConfig cfg = TestSpark.settings("model", MODEL, "tokenizer", "", "input", input.toString(),
        "output", tmp.resolve("out").toString(), "max_new_tokens", "10", "eos_token_id", "none", "batch_size", "2",
        "do_sample", "true", "seed", "8");
    Map<Long, Row> byId = new HashMap<>();
    runAndRead(cfg, Main.OK).forEach(r -> byId.put(r.getAs("id"), r));
    Row near = byId.get(1L);
    assertEquals(4, near.<Integer>getAs("num_generated_tokens")); // 60 + 4 = 64
    assertEquals("length", near.getAs("finish_reason"));
    assertEquals(10, byId.get(2L).<Integer>getAs("num_generated_tokens")); // its batch neighbour is not cut short
    try (ResolvedModel model = ResolvedModel.resolve(cfg)) {
      assertArrayEquals(TestSpark.alone(model, null, RowKey.of(1L), prompt).get(0).tokenIds(), ints(near));
    }
  }

  @Test
  void onErrorFailStopsAtTheFirstBadRowNamingItsIdWithExitCode5AndNoOutput() throws Exception {
    Path input = jsonl("in.jsonl", "{\"id\": 1, \"prompt_ids\": [42, 7]}", "{\"id\": 17, \"prompt_ids\": [70]}",
        "{\"id\": 3, \"prompt_ids\": [1]}");
    Path output = tmp.resolve("out");
    JobConfig cfg = TestSpark.settings("model", MODEL, "tokenizer", "", "input", input.toString(),
        "output", output.toString(), "max_new_tokens", "2", "on_error", "fail", "partitions", "1");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int failedBefore = FAILED_TASKS.get();
    assertEquals(Main.BAD_ROW, execute(cfg, err));
    awaitFailedTasks(failedBefore + 4); // the bad row fails each of the 4 attempts; counted before the next test
    assertEquals("sparkgen: stopped at a bad row (on_error=fail): id=17: token id 70 at position 0 is outside the"
        + " vocabulary [0, 64); nothing was written to " + output, text(err).strip());
    assertFalse(Files.exists(output));
  }

  @Test
  void firstAttemptFailuresAreRetriedAndTheOutputEqualsACleanRunRowForRow() throws Exception {
    Path input = prompts(12);
    JobConfig clean = TestSpark.settings("model", MODEL, "tokenizer", "", "input", input.toString(),
        "output", tmp.resolve("clean").toString(), "max_new_tokens", "6", "do_sample", "true", "top_k", "20",
        "num_return_sequences", "2", "seed", "21", "partitions", "3", "batch_size", "3", "output_logprobs", "true");
    List<String> expected = rows(runAndRead(clean, Main.OK));
    int failedBefore = FAILED_TASKS.get();
    JobConfig faulty = clean.with(Map.of("output", tmp.resolve("retried").toString(), "fault", "fail_first_attempt:0,2"));
    List<String> retried = rows(runAndRead(faulty, Main.OK));
    awaitFailedTasks(failedBefore + 2);
    assertEquals(failedBefore + 2, FAILED_TASKS.get()); // partitions 0 and 2 failed once each
    assertEquals(24, expected.size());
    assertEquals(expected, retried);
  }

  @Test
  void aTaskThatFailsEveryAttemptFailsTheJobWithExitCode1AndNoOutputThenAnOverwriteRerunMatchesACleanRun()
      throws Exception {
    Path input = prompts(6);
    JobConfig clean = TestSpark.settings("model", MODEL, "tokenizer", "", "input", input.toString(),
        "output", tmp.resolve("clean").toString(), "max_new_tokens", "4", "do_sample", "true", "seed", "2",
        "partitions", "2");
    List<String> expected = rows(runAndRead(clean, Main.OK));
    Path output = tmp.resolve("target");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int failedBefore = FAILED_TASKS.get();
    assertEquals(Main.FAILED, execute(clean.with(Map.of("output", output.toString(), "fault", "fail_every_attempt:1")), err));
    String message = text(err).strip();
    assertTrue(message.startsWith("sparkgen: the job failed: "), message);
    assertTrue(message.contains("failed 4 times"), message); // spark.task.maxFailures of local[2,4]
    assertTrue(message.contains("injected fault (fault=fail_every_attempt): partition 1"), message);
    assertTrue(message.endsWith("; nothing was written to " + output), message);
    assertFalse(message.contains("\tat "), message); // no stack trace on the console
    assertFalse(Files.exists(output), "a failed job leaves nothing at the output");
    awaitFailedTasks(failedBefore + 4);

    assertEquals(expected, rows(runAndRead(clean.with(Map.of("output", output.toString(), "mode", "overwrite")), Main.OK)));
  }

  @Test
  void anOutputThatCannotBeCreatedIsRefusedBeforeAnyGenerationWithExitCode3() throws Exception {
    Path input = prompts(3);
    Path file = Files.writeString(tmp.resolve("a-file"), "not a folder");
    Path output = file.resolve("out"); // below a regular file: no folder can be made there
    JobConfig cfg = TestSpark.settings("model", MODEL, "tokenizer", "", "input", input.toString(),
        "output", output.toString(), "max_new_tokens", "2");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    long jobsBefore = spark.session().sparkContext().statusTracker().getJobIdsForGroup(null).length;
    assertEquals(Main.BAD_SETUP, execute(cfg, err));
    String message = text(err).strip();
    assertTrue(message.startsWith("sparkgen: output " + output + ": cannot create it"), message);
    assertTrue(message.contains(file.toString()), message);
    assertFalse(message.contains("\tat "), message);
    assertEquals(jobsBefore, spark.session().sparkContext().statusTracker().getJobIdsForGroup(null).length,
        "refused before any Spark job");
    // A folder the check creates is removed again: a later run's mode=error still finds no output.
    Path fresh = tmp.resolve("new/deeper/out");
    dev.sparkgen.job.io.ResultWriter.checkOutput(spark.session(), cfg.with(Map.of("output", fresh.toString())));
    assertFalse(Files.exists(tmp.resolve("new")), "the check leaves nothing behind");
    // What a run killed with SIGKILL mid-write leaves: the refusal says so rather than just "already exists".
    Path killed = Files.createDirectories(tmp.resolve("killed/_temporary/0"));
    err.reset();
    assertEquals(Main.BAD_SETUP, execute(cfg.with(Map.of("output", killed.getParent().getParent().toString())), err));
    assertTrue(text(err).contains("already exists and holds only _temporary: the unfinished write of a run that was"
        + " killed"), text(err));
  }

  @Test
  void aFailureAfterTheRowsAreWrittenLeavesNoOutputAndExitsOne() throws Exception {
    // Rows written, then the summary cannot be: a complete output with _SUCCESS must not outlive exit code 1.
    org.apache.hadoop.conf.Configuration hadoop = spark.session().sparkContext().hadoopConfiguration();
    hadoop.set("fs." + SummaryRefusingFileSystem.SCHEME + ".impl", SummaryRefusingFileSystem.class.getName());
    hadoop.setBoolean("fs." + SummaryRefusingFileSystem.SCHEME + ".impl.disable.cache", true);
    Path out = tmp.resolve("summary-refused");
    JobConfig cfg = TestSpark.settings("model", MODEL, "tokenizer", "", "input", prompts(3).toString(),
        "output", SummaryRefusingFileSystem.SCHEME + "://" + out, "max_new_tokens", "2");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(Main.FAILED, execute(cfg, err));
    String message = text(err);
    assertTrue(message.contains("_summary.json"), message);
    assertTrue(message.contains("nothing was written to"), message);
    assertFalse(Files.exists(out), "a failed job leaves nothing behind");
  }

  @Test
  void maxBatchMemoryTooSmallForOneRowIsRefusedOnTheDriverWithTheEstimate() {
    JobConfig cfg = TestSpark.settings("model", MODEL, "max_new_tokens", "20", "max_batch_memory", "16k");
    ModelConfigAndSettings m = new ModelConfigAndSettings(cfg);
    BatchMemory one = BatchMemory.of(m.config, m.generation, Scheduler.CONTINUOUS, 1, 1, true);
    assertTrue(one.total() > 16 << 10, one.describe());
    dev.sparkgen.job.error.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.sparkgen.job.error.ConfigException.class, () -> ResolvedModel.resolve(cfg));
    assertEquals("max_batch_memory=16.0 KiB: even one prompt's rows may need " + one.describe() + " with this model"
        + " (2 layers, 4 KV heads x 16, context 64, vocabulary 64), a 1-token prompt and max_new_tokens=20; lower"
        + " max_new_tokens, or raise max_batch_memory if the executors have the memory", e.getMessage());
    // The command line refuses it with exit code 2 before Spark runs anything, with the same one line.
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(Main.BAD_SETTINGS, Main.run(new String[] {"generate", "--model=" + MODEL,
        "--max_new_tokens=20", "--max_batch_memory=16k", "--input=" + tmp.resolve("none.jsonl"),
        "--output=" + tmp.resolve("out")}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertEquals("sparkgen: " + e.getMessage(), text(err).strip());
    assertFalse(Files.exists(tmp.resolve("out")));
  }

  @Test
  void aPromptTooLongForMaxBatchMemoryIsAnErrorRowWhileShortOnesGenerate() throws Exception {
    // gpt2-tiny, max_new_tokens 20: one row of a 3-token prompt fits 100 KiB, one of 60 tokens does not.
    JobConfig base = TestSpark.settings("model", MODEL, "max_new_tokens", "20", "eos_token_id", "none",
        "max_batch_memory", "100k");
    ModelConfigAndSettings m = new ModelConfigAndSettings(base);
    assertTrue(BatchMemory.of(m.config, m.generation, Scheduler.CONTINUOUS, 1, 3, true).total() <= 100 << 10);
    BatchMemory tooLong = BatchMemory.of(m.config, m.generation, Scheduler.CONTINUOUS, 1, 60, true);
    assertTrue(tooLong.total() > 100 << 10, tooLong.describe());
    String[] lines = new String[5];
    for (int i = 0; i < 5; i++) {
      int row = i;
      int[] ids = IntStream.range(0, i == 2 ? 60 : 3).map(t -> (7 * row + t) % 64).toArray();
      lines[i] = "{\"id\": " + i + ", \"prompt_ids\": " + Arrays.toString(ids) + "}";
    }
    Path input = jsonl("lengths.jsonl", lines);
    JobConfig cfg = base.with(Map.of("input", input.toString(), "output", tmp.resolve("lengths-out").toString(),
        "partitions", "1"));
    List<Row> out = runAndRead(cfg, Main.ROW_ERRORS);
    assertEquals(5, out.size());
    for (Row r : out) {
      long id = r.<Long>getAs("id");
      if (id == 2) {
        assertEquals("a prompt of 60 tokens may need " + tooLong.describe() + " for its rows alone, more than"
            + " max_batch_memory=100.0 KiB; raise max_batch_memory if the executors have the memory, or lower"
            + " max_new_tokens", r.getAs("error"));
      } else {
        assertNull(r.getAs("error"), "row " + id);
        assertEquals(20L, ((Number) r.getAs("num_generated_tokens")).longValue(), "row " + id);
      }
    }
  }

  /** The golden model's shape and the settings over its generation_config.json, without the weights. */
  private static final class ModelConfigAndSettings {
    final dev.sparkgen.model.config.ModelConfig config = dev.sparkgen.model.weights.HfFolder.readConfig(TestSpark.GPT2_TINY);
    final dev.sparkgen.model.generate.GenerationConfig generation;

    ModelConfigAndSettings(JobConfig cfg) {
      generation = cfg.generationOver(dev.sparkgen.model.generate.GenerationConfig.forModel(TestSpark.GPT2_TINY));
    }
  }

  // ---- helpers ----

  private int execute(JobConfig cfg, ByteArrayOutputStream err) {
    try (ResolvedModel model = ResolvedModel.resolve(cfg)) {
      return Main.execute(spark.session(), cfg, model, new PrintStream(new ByteArrayOutputStream()),
          new PrintStream(err, true, StandardCharsets.UTF_8));
    }
  }

  /** Runs through the command line's exit-code logic, checks the code, and reads the output back. */
  private List<Row> runAndRead(JobConfig cfg, int exitCode) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(exitCode, execute(cfg, err), text(err));
    return spark.session().read().parquet(cfg.output()).collectAsList();
  }

  private JsonObject summary(String output) throws Exception {
    return JsonParser.parseString(Files.readString(tmp.resolve(output).resolve("_summary.json"))).getAsJsonObject();
  }

  /** Every column of every row as text, ordered by id and sample index: equal lists = equal outputs. */
  private static List<String> rows(List<Row> rows) {
    List<Row> sorted = new ArrayList<>(rows);
    sorted.sort(Comparator.comparingLong((Row r) -> r.<Long>getAs("id")).thenComparingInt(r -> r.<Integer>getAs("sample_index")));
    return sorted.stream().map(Row::toString).toList();
  }

  private Path prompts(int n) throws Exception {
    String[] lines = new String[n];
    for (int i = 0; i < n; i++) {
      int row = i;
      int[] ids = IntStream.range(0, 1 + i % 5).map(j -> (row * 11 + j * 3) % 63).toArray();
      lines[i] = "{\"id\": " + i + ", \"prompt_ids\": " + Arrays.toString(ids) + "}";
    }
    return jsonl("prompts-" + n + ".jsonl", lines);
  }

  private Path jsonl(String name, String... lines) throws Exception {
    Path f = tmp.resolve(name);
    Files.write(f, List.of(lines));
    return f;
  }

  private static void awaitFailedTasks(int n) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L; // the listener bus is asynchronous
    while (FAILED_TASKS.get() < n && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  private static int[] ints(Row r) {
    return r.getList(r.fieldIndex("generated_token_ids")).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
  }

  private static String text(ByteArrayOutputStream b) {
    return b.toString(StandardCharsets.UTF_8);
  }
}
