package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.exec.RowKey;
import dev.sparkgen.job.io.PromptReader;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading prompts as a new user's files come: folders without an extension (Parquet), CSV as
 * pandas writes it, reader options passed through, blank lines in text input; and the sampling key
 * of rows without an id (their file and position), stable under any split and partitioning.
 */
class PromptReadingTest {
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]");
  @TempDir Path tmp;

  private JobConfig llama(Path input, String output, String... kv) {
    Map<String, String> base = new LinkedHashMap<>();
    base.put("model", TextAndSamplingTest.LLAMA.toString());
    base.put("tokenizer", TextAndSamplingTest.LLAMA_TOKENIZER.toString());
    base.put("input", input.toString());
    base.put("output", tmp.resolve(output).toString());
    base.put("max_new_tokens", "6");
    return TestSpark.settings(base, kv);
  }

  private int execute(JobConfig cfg) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ResolvedModel model = ResolvedModel.resolve(cfg)) {
      return Main.execute(spark.session(), cfg, model, new PrintStream(new ByteArrayOutputStream()),
          new PrintStream(err, true, StandardCharsets.UTF_8));
    }
  }

  private JsonObject summary(JobConfig cfg) throws Exception {
    return JsonParser.parseString(Files.readString(Path.of(cfg.output()).resolve("_summary.json"))).getAsJsonObject();
  }

  private static List<Integer> ids(Row r) {
    return r.getList(r.fieldIndex("generated_token_ids")).stream().map(o -> ((Number) o).intValue()).toList();
  }

  @Test
  void aFolderWithoutExtensionIsReadAsParquet() throws Exception {
    Path folder = tmp.resolve("prompts"); // as in the README's --input=hdfs:///prompts
    StructType schema = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);
    spark.session().createDataFrame(List.of(RowFactory.create(1L, "t3 t9"), RowFactory.create(2L, "t27")), schema)
        .coalesce(1).write().parquet(folder.toString());
    JobConfig cfg = llama(folder, "out");
    assertEquals(Main.OK, execute(cfg));
    assertEquals(2, summary(cfg).get("rows_in").getAsLong());
  }

  @Test
  void aFolderOfJsonLinesOrCsvFilesIsReadInTheirFormat() throws Exception {
    Path jsonl = Files.createDirectories(tmp.resolve("chunks"));
    Files.writeString(jsonl.resolve("a.jsonl"), "{\"id\": 1, \"prompt\": \"t3\"}\n");
    Files.writeString(jsonl.resolve("b.jsonl"), "{\"id\": 2, \"prompt\": \"t9\"}\n");
    Files.writeString(jsonl.resolve("_SUCCESS"), "");
    List<Row> rows = PromptReader.read(spark.session(), TestSpark.settings("input", jsonl.toString())).collectAsList();
    assertEquals(2, rows.size()); // not "cannot read it as parquet"
    assertEquals(java.util.Set.of("t3", "t9"), rows.stream().map(r -> r.<String>getAs("prompt")).collect(
        java.util.stream.Collectors.toSet()));
    Path csv = Files.createDirectories(tmp.resolve("csvs"));
    Files.writeString(csv.resolve("part1.csv"), "id,prompt\n1,\"a, b\"\n");
    assertEquals("a, b", PromptReader.read(spark.session(), TestSpark.settings("input", csv.toString())).first()
        .getAs("prompt"));
  }

  @Test
  void csvIsReadAsRfc4180AndReaderOptionsPassThrough() throws Exception {
    Path csv = tmp.resolve("p.csv"); // as pandas.DataFrame.to_csv writes it
    Files.writeString(csv, "id,prompt\n1,\"first line\nsecond line\"\n2,\"she said \"\"hi\"\", twice\"\n3,plain\n");
    Map<String, String> byId = new LinkedHashMap<>();
    for (Row r : PromptReader.read(spark.session(), TestSpark.settings("input", csv.toString())).collectAsList()) {
      byId.put(r.getAs("id"), r.getAs("prompt"));
    }
    assertEquals(Map.of("1", "first line\nsecond line", "2", "she said \"hi\", twice", "3", "plain"), byId);
    // input_option.<name> reaches Spark's reader and wins over the defaults
    Path semi = Files.writeString(tmp.resolve("semi.csv"), "id;prompt\n1;a, b\n");
    Row r = PromptReader.read(spark.session(), TestSpark.settings("input", semi.toString(), "input_option.sep", ";"))
        .collectAsList().get(0);
    assertEquals("a, b", r.getAs("prompt"));
    long lines = PromptReader.read(spark.session(),
        TestSpark.settings("input", csv.toString(), "input_option.multiLine", "false")).count();
    assertEquals(4, lines); // Spark's line-by-line CSV splits the quoted newline: what the default avoids
  }

  @Test
  void aCsvIdsCellThatIsNotTokenIdsIsThatRowsErrorNotAFailedJob() throws Exception {
    Path csv = Files.writeString(tmp.resolve("ids.csv"),
        "id,prompt_ids\n1,\"3 9\"\n2,\"3 x 9\"\n3,\"3,9\"\n4,\"3 99999999999\"\n");
    JobConfig cfg = llama(csv, "ids");
    assertEquals(Main.ROW_ERRORS, execute(cfg));
    Map<String, Row> byId = new LinkedHashMap<>();
    spark.session().read().parquet(cfg.output()).collectAsList().forEach(r -> byId.put(r.getAs("id"), r));
    assertEquals(4, byId.size());
    assertNull(byId.get("1").getAs("error"));
    assertEquals("prompt_ids[1] is null", byId.get("2").getAs("error"));
    assertNull(byId.get("3").getAs("error"));
    assertEquals(ids(byId.get("1")), ids(byId.get("3"))); // "3,9" reads as "3 9": greedy, same tokens
    assertEquals("prompt_ids[1] is null", byId.get("4").getAs("error")); // past the int range: not an id
  }

  @Test
  void aJsonRowWhoseIdsAreNotTokenIdsIsThatRowsErrorWhateverTypeSparkInfers() throws Exception {
    // A string beside arrays makes Spark infer the whole column as string (arrays kept as JSON text).
    Path mixed = Files.writeString(tmp.resolve("mixed.jsonl"), String.join("\n",
        "{\"id\":\"1\",\"prompt_ids\":[3,9]}", "{\"id\":\"2\",\"prompt_ids\":\"3 9\"}",
        "{\"id\":\"3\",\"prompt_ids\":[3,1.5]}", "{\"id\":\"4\",\"prompt_ids\":\"3 x\"}",
        "{\"id\":\"5\",\"prompt_ids\":[\"3\",9]}", "{\"id\":\"6\",\"prompt_ids\":[3,99999999999]}",
        "{\"id\":\"7\",\"prompt_ids\":[3,[9]]}", "{\"id\":\"8\",\"prompt_ids\":[3,9.0]}") + "\n");
    JobConfig cfg = llama(mixed, "json-mixed");
    assertEquals(Main.ROW_ERRORS, execute(cfg));
    Map<String, Row> byId = new LinkedHashMap<>();
    spark.session().read().parquet(cfg.output()).collectAsList().forEach(r -> byId.put(r.getAs("id"), r));
    assertEquals(8, byId.size());
    for (String good : List.of("1", "2", "5", "8")) {
      assertNull(byId.get(good).getAs("error"), good);
      assertEquals(ids(byId.get("1")), ids(byId.get(good)), good); // greedy: the same ids, the same tokens
    }
    for (String bad : List.of("3", "4", "6", "7")) {
      assertEquals("prompt_ids[1] is null", byId.get(bad).getAs("error"), bad);
    }

    // Only a fraction among arrays: Spark infers array<double>, read back per row.
    Path fractions = Files.writeString(tmp.resolve("fractions.jsonl"),
        "{\"id\":\"1\",\"prompt_ids\":[3,9]}\n{\"id\":\"2\",\"prompt_ids\":[3,1.5]}\n");
    JobConfig f = llama(fractions, "json-fractions");
    assertEquals(Main.ROW_ERRORS, execute(f));
    Map<String, Row> fById = new LinkedHashMap<>();
    spark.session().read().parquet(f.output()).collectAsList().forEach(r -> fById.put(r.getAs("id"), r));
    assertNull(fById.get("1").getAs("error"));
    assertEquals(ids(byId.get("1")), ids(fById.get("1")));
    assertEquals("prompt_ids[1] is null", fById.get("2").getAs("error"));
  }

  @Test
  void aFileThatIsNotJsonLinesReadAsJsonIsRefusedSayingSo() throws Exception {
    Path csv = Files.writeString(tmp.resolve("really-csv.txt"), "id,prompt\n1,t3 t9\n");
    JobConfig cfg = llama(csv, "not-json", "input_format", "json");
    dev.sparkgen.job.error.SetupException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.sparkgen.job.error.SetupException.class, () -> PromptReader.load(spark.session(), cfg, false));
    assertEquals("input " + csv + ": no line is a JSON object, as JSON Lines needs (one object per line, e.g."
        + " {\"prompt\": \"...\"}); if it is another format, set input_format", e.getMessage());
  }

  @Test
  void aMalformedJsonLineIsItsRowsErrorSayingSoWhileTheOthersAreGenerated() throws Exception {
    Path json = Files.writeString(tmp.resolve("one-bad.jsonl"),
        "{\"id\":\"1\",\"prompt\":\"t3 t9\"}\n{\"id\":\"2\", prompt: t3}\n{\"id\":\"3\"}\n");
    for (String doSample : List.of("false", "true")) { // sampling attaches each row's position key
      JobConfig cfg = llama(json, "one-bad-" + doSample, "do_sample", doSample);
      assertEquals(Main.ROW_ERRORS, execute(cfg));
      List<Row> rows = spark.session().read().parquet(cfg.output()).collectAsList();
      assertEquals(3, rows.size());
      assertEquals(1, rows.stream().filter(r -> r.getAs("error") == null).count());
      Row bad = rows.stream().filter(r -> r.getAs("_corrupt_record") != null).findFirst().orElseThrow();
      assertEquals("{\"id\":\"2\", prompt: t3}", bad.getAs("_corrupt_record"));
      assertEquals("the input line is not a JSON object (kept in _corrupt_record)", bad.getAs("error"), doSample);
      Row none = rows.stream().filter(r -> "3".equals(r.getAs("id"))).findFirst().orElseThrow();
      assertEquals("no prompt: prompt null", none.getAs("error")); // valid JSON without a prompt
    }
  }

  @Test
  void blankLinesOfTextInputAreSkippedAndCountedUnlessSkipBlankIsFalse() throws Exception {
    Path txt = Files.writeString(tmp.resolve("p.txt"), "t3 t9\n\n   \nt27\n\n");
    JobConfig cfg = llama(txt, "skipped");
    assertEquals(Main.OK, execute(cfg));
    JsonObject s = summary(cfg);
    assertEquals(2, s.get("rows_in").getAsLong());
    assertEquals(3, s.get("skipped_blank").getAsLong());
    assertEquals(0, s.get("errors").getAsLong());
    // tokens/s over the generation time and over the whole run, both reported
    double generation = s.get("generation_seconds").getAsDouble();
    double wall = s.get("wall_seconds").getAsDouble();
    long tokens = s.get("generated_tokens").getAsLong();
    assertTrue(generation > 0 && generation < wall, generation + " vs " + wall);
    assertEquals(tokens / generation, s.get("generated_tokens_per_generation_second").getAsDouble(), 1e-6 * tokens / generation);
    assertEquals(tokens / wall, s.get("generated_tokens_per_wall_second").getAsDouble(), 1e-6 * tokens / wall);

    Path empty = Files.writeString(tmp.resolve("e.txt"), "t3 t9\n\nt27\n");
    JobConfig kept = llama(empty, "kept", "skip_blank", "false");
    assertEquals(Main.ROW_ERRORS, execute(kept));
    List<Row> rows = spark.session().read().parquet(kept.output()).collectAsList();
    assertEquals(3, rows.size());
    assertEquals(1, rows.stream().filter(x -> "prompt is empty".equals(x.getAs("error"))).count());
    assertEquals(0, summary(kept).get("skipped_blank").getAsLong());
  }

  @Test
  void anInputWithoutPromptsWritesAnEmptyOutputAndAZeroSummary() throws Exception {
    // A text file of blank lines only (every row skipped) and a CSV with its header alone: no rows to
    // generate for is a finished job (exit 0, an empty output with its summary), not a failed one.
    Path blankOnly = Files.writeString(tmp.resolve("blank.txt"), "\n  \n");
    JobConfig text = llama(blankOnly, "blank");
    assertEquals(Main.OK, execute(text));
    JsonObject s = summary(text);
    assertEquals(0, s.get("rows_in").getAsLong());
    assertEquals(0, s.get("rows_out").getAsLong());
    assertEquals(2, s.get("skipped_blank").getAsLong());
    Path header = Files.writeString(tmp.resolve("header.csv"), "id,prompt\n");
    JobConfig csv = llama(header, "header");
    assertEquals(Main.OK, execute(csv));
    assertEquals(0, summary(csv).get("rows_in").getAsLong());
    assertEquals(0, summary(csv).get("prompt_tokens").getAsLong());
    // An empty JSON Lines file has no schema at all: named as empty, not as "its columns are []".
    Path none = Files.writeString(tmp.resolve("none.jsonl"), "");
    dev.sparkgen.job.error.SetupException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.sparkgen.job.error.SetupException.class, () -> PromptReader.read(spark.session(),
            TestSpark.settings("input", none.toString())));
    assertEquals("input " + none + " is empty: no rows to read as json", e.getMessage());
  }

  @Test
  void identicalPromptsWithoutIdGetTheirOwnSamplesKeyedByLineWhateverTheSplitsAndPartitions() throws Exception {
    // Eight identical lines (and one blank one) in a text file: sampling must give each its own stream.
    List<String> lines = new ArrayList<>(List.of("t5 t6", "t5 t6", "t5 t6", "t5 t6", "", "t5 t6", "t5 t6", "t5 t6",
        "t5 t6"));
    Path txt = Files.write(tmp.resolve("same.txt"), lines);
    String[] sampling = {"do_sample", "true", "top_k", "0", "seed", "9"};
    List<List<Integer>> whole = generated(llama(txt, "a", concat(sampling, "partitions", "1", "batch_size", "8")));
    // Tiny splits: the file is read as several blocks by several tasks, then spread over 3 partitions.
    spark.session().conf().set("spark.sql.files.maxPartitionBytes", "16");
    spark.session().conf().set("spark.sql.files.openCostInBytes", "1");
    List<List<Integer>> split;
    try {
      assertTrue(spark.session().read().text(txt.toString()).rdd().getNumPartitions() >= 3);
      split = generated(llama(txt, "b", concat(sampling, "partitions", "3", "batch_size", "1")));
    } finally {
      spark.session().conf().unset("spark.sql.files.maxPartitionBytes");
      spark.session().conf().unset("spark.sql.files.openCostInBytes");
    }
    assertEquals(8, whole.size());
    assertEquals(8, new HashSet<>(whole).size(), "duplicates got identical samples: " + whole);
    assertEquals(sorted(whole), sorted(split));
    // The rule: the key of "<file relative to input>#<line>", lines counted from 0 with blank ones.
    JobConfig cfg = llama(txt, "c", sampling);
    List<List<Integer>> expected = new ArrayList<>();
    try (ResolvedModel model = ResolvedModel.resolve(cfg); Tokenizer tok = Tokenizer.load(TextAndSamplingTest.LLAMA_TOKENIZER)) {
      for (int line : new int[] {0, 1, 2, 3, 5, 6, 7, 8}) {
        int[] ids = tok.encode("t5 t6", true);
        expected.add(java.util.Arrays.stream(TestSpark.alone(model, tok, RowKey.of("#" + line), ids).get(0).tokenIds())
            .boxed().toList());
      }
    }
    assertEquals(sorted(expected), sorted(whole));
  }

  @Test
  void filesOfAFolderAndNonFileDatasetsKeyRowsByPositionToo() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("jsonl"));
    for (String f : List.of("a.jsonl", "b.jsonl")) {
      Files.write(dir.resolve(f), java.util.Collections.nCopies(4, "{\"prompt_ids\": [5, 6], \"note\": \"" + f + "\"}"));
    }
    String[] common = {"model", TestSpark.GPT2_TINY.toString(), "tokenizer", "", "input", dir.toString(),
        "input_format", "json", "do_sample", "true", "top_k", "0", "seed", "4", "max_new_tokens", "6"};
    List<List<Integer>> one = generated(TestSpark.settings(concat(common, "output", tmp.resolve("x").toString(),
        "partitions", "1")));
    List<List<Integer>> three = generated(TestSpark.settings(concat(common, "output", tmp.resolve("y").toString(),
        "partitions", "3", "batch_size", "1")));
    assertEquals(8, new HashSet<>(one).size(), one.toString());
    assertEquals(sorted(one), sorted(three));
    try (ResolvedModel model = ResolvedModel.resolve(TestSpark.settings(common))) {
      List<Integer> bFirst = java.util.Arrays.stream(TestSpark.alone(model, null, RowKey.of("b.jsonl#0"),
          new int[] {5, 6}).get(0).tokenIds()).boxed().toList();
      assertTrue(one.contains(bFirst), "b.jsonl's row 0 is keyed 'b.jsonl#0'");
    }
    // The Java API on a Dataset that is not a file: rows keyed by their position in it.
    StructType schema = new StructType().add("prompt_ids", DataTypes.createArrayType(DataTypes.IntegerType));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      rows.add(RowFactory.create(scala.jdk.javaapi.CollectionConverters.asScala(List.of(5, 6)).toList()));
    }
    Dataset<Row> df = spark.session().createDataFrame(rows, schema).repartition(2);
    JobConfig api = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "", "do_sample", "true",
        "top_k", "0", "seed", "4", "max_new_tokens", "6");
    List<List<Integer>> a = SparkGen.generate(spark.session(), df, api).collectAsList().stream()
        .map(PromptReadingTest::ids).toList();
    List<List<Integer>> b = SparkGen.generate(spark.session(), df, api.with(Map.of("partitions", "3", "batch_size", "1")))
        .collectAsList().stream().map(PromptReadingTest::ids).toList();
    assertEquals(6, new HashSet<>(a).size(), a.toString());
    assertEquals(sorted(a), sorted(b));
    assertEquals(List.of("prompt_ids", "sample_index"),
        List.of(SparkGen.generate(spark.session(), df, api).columns()).subList(0, 2));
    // Greedy draws nothing: no position pass, the same tokens for identical prompts.
    List<Row> greedy = SparkGen.generate(spark.session(), df, api.with(Map.of("do_sample", "false"))).collectAsList();
    assertEquals(1, greedy.stream().map(PromptReadingTest::ids).distinct().count());
    assertNull(greedy.get(0).getAs("error"));
    assertNotEquals(a.get(0), List.of());
  }

  private List<List<Integer>> generated(JobConfig cfg) {
    assertEquals(Main.OK, execute(cfg));
    return spark.session().read().parquet(cfg.output()).collectAsList().stream().map(PromptReadingTest::ids).toList();
  }

  private static List<String> sorted(List<List<Integer>> rows) {
    return rows.stream().map(Object::toString).sorted().toList();
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
