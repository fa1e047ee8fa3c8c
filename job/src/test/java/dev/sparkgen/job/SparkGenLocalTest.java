package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.job.exec.RowKey;
import dev.sparkgen.job.io.Summary;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Generator;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The job end to end on local[2]: every row equals the model module's generation for its prompt alone. */
class SparkGenLocalTest {
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]");
  @TempDir Path tmp;

  /** The golden prompts (vocab 64). */
  private static final int[][] PROMPTS = {{42}, {51, 1, 51, 30}, {32, 40, 18, 62, 3, 17, 24}, {36, 26, 8, 2, 0}};
  private static final StructType IDS_SCHEMA = new StructType()
      .add("id", DataTypes.LongType)
      .add("prompt_ids", DataTypes.createArrayType(DataTypes.IntegerType))
      .add("note", DataTypes.StringType)
      .add("tags", DataTypes.createArrayType(DataTypes.StringType));

  private static Dataset<Row> idPrompts() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < PROMPTS.length; i++) {
      rows.add(RowFactory.create(100L + i, scala.jdk.javaapi.CollectionConverters.asScala(
          java.util.Arrays.stream(PROMPTS[i]).boxed().toList()).toSeq(), "note " + i,
          scala.jdk.javaapi.CollectionConverters.asScala(List.of("t" + i, "x")).toSeq()));
    }
    return spark.session().createDataFrame(rows, IDS_SCHEMA);
  }

  @Test
  void idPromptsToParquetEqualPerPromptGenerationWithSummaryAndFooter() throws Exception {
    Path input = tmp.resolve("prompts.parquet");
    idPrompts().coalesce(1).write().parquet(input.toString());
    Path output = tmp.resolve("out");
    JobConfig cfg = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "input", input.toString(),
        "output", output.toString(), "do_sample", "true", "top_k", "10", "num_return_sequences", "2",
        "max_new_tokens", "6", "seed", "7", "output_logprobs", "true", "batch_size", "3", "partitions", "2");
    Summary summary;
    try (ResolvedModel model = ResolvedModel.resolve(cfg);
        Tokenizer tok = Tokenizer.load(TestSpark.GPT2_TINY.resolve("tokenizer.json"))) {
      summary = BatchJob.run(spark.session(), cfg, model);

      List<Row> out = spark.session().read().parquet(output.toString()).collectAsList();
      assertEquals(PROMPTS.length * 2, out.size()); // rows in x num_return_sequences
      long generated = 0;
      for (Row r : out) {
        int p = (int) (r.<Long>getAs("id") - 100);
        assertEquals("note " + p, r.getAs("note")); // passthrough columns intact
        assertEquals(List.of("t" + p, "x"), r.getList(r.fieldIndex("tags")));
        assertEquals(List.of(toList(PROMPTS[p])), List.of(r.getList(r.fieldIndex("prompt_ids"))));
        Sequence expected = TestSpark.alone(model, tok, RowKey.of(100L + p), PROMPTS[p]).get(r.<Integer>getAs("sample_index"));
        assertArrayEquals(expected.tokenIds(), ints(r.getList(r.fieldIndex("generated_token_ids"))), "prompt " + p);
        assertEquals(expected.finishReason().label(), r.getAs("finish_reason"));
        assertEquals(expected.cumulativeLogprob(), r.<Double>getAs("cumulative_logprob"), 1e-5); // float32 rounding
        assertEquals(expected.tokenLogprobs().length, r.getList(r.fieldIndex("token_logprobs")).size());
        assertEquals(PROMPTS[p].length, r.<Integer>getAs("num_prompt_tokens"));
        assertEquals(expected.tokenIds().length, r.<Integer>getAs("num_generated_tokens"));
        assertEquals(expected.text(), r.getAs("generated_text")); // the folder's tokenizer.json decodes
        assertNull(r.getAs("score"));
        assertNull(r.getAs("error"));
        generated += expected.tokenIds().length;
      }

      JsonObject s = JsonParser.parseString(Files.readString(output.resolve("_summary.json"))).getAsJsonObject();
      assertEquals(4, s.get("rows_in").getAsLong());
      assertEquals(8, s.get("rows_out").getAsLong());
      assertEquals(0, s.get("errors").getAsLong());
      assertEquals(1 + 4 + 7 + 5, s.get("prompt_tokens").getAsLong());
      assertEquals(generated, s.get("generated_tokens").getAsLong());
      assertEquals(Map.of("driver", 1), summary.modelLoadsPerExecutor());
      assertEquals(model.identity().sha256(), s.getAsJsonObject("model").get("sha256").getAsString());

      Map<String, String> footer = footer(output);
      assertEquals(model.identity().sha256(), footer.get("sparkgen.model.sha256"));
      assertEquals("gpt2", footer.get("sparkgen.model.family"));
      assertEquals(Long.toString(model.checkpoint().config().parameterCount()), footer.get("sparkgen.model.parameters"));
      JsonObject gen = JsonParser.parseString(footer.get("sparkgen.generation")).getAsJsonObject();
      assertEquals(2, gen.get("num_return_sequences").getAsInt());
      assertEquals(7, gen.get("seed").getAsLong());
    }
  }

  @Test
  void textPromptsAreTokenisedWithTheTokenizerAndDecoded() throws Exception {
    Path input = tmp.resolve("prompts.jsonl");
    List<String> texts = List.of("Hello world", "The quick brown fox", "Spark runs the model on executors");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      lines.add("{\"id\": \"p" + i + "\", \"prompt\": \"" + texts.get(i) + "\"}");
    }
    Files.write(input, lines);
    Path output = tmp.resolve("out.json");
    JobConfig cfg = JobConfig.of(Map.of("model", "random", "tokenizer", TestSpark.GPT2_TOKENIZER.toString(),
        "input", input.toString(), "output", output.toString(), "output_format", "json", "max_new_tokens", "5",
        "do_sample", "true", "seed", "3"));
    try (ResolvedModel model = ResolvedModel.resolve(cfg); Tokenizer tok = Tokenizer.load(TestSpark.GPT2_TOKENIZER)) {
      BatchJob.run(spark.session(), cfg, model);
      List<Row> out = spark.session().read().json(output.toString()).collectAsList();
      assertEquals(texts.size(), out.size());
      for (Row r : out) {
        int i = Integer.parseInt(r.<String>getAs("id").substring(1));
        int[] ids = tok.encode(texts.get(i));
        Sequence expected = TestSpark.alone(model, tok, RowKey.of("p" + i), ids).get(0);
        assertArrayEquals(expected.tokenIds(), ints(r.getList(r.fieldIndex("generated_token_ids"))), texts.get(i));
        assertEquals(expected.text(), r.getAs("generated_text"));
        assertEquals(ids.length, r.<Long>getAs("num_prompt_tokens"));
        assertEquals(texts.get(i), r.getAs("prompt"));
      }
    }
  }

  @Test
  void badRowsGetAnErrorWhileTheOthersAreGenerated() {
    StructType schema = new StructType().add("id", DataTypes.IntegerType)
        .add("prompt_ids", DataTypes.createArrayType(DataTypes.IntegerType)).add("prompt", DataTypes.StringType);
    int[] tooLong = new int[64];
    List<Row> rows = List.of(
        RowFactory.create(1, seq(42, 7), null),
        RowFactory.create(2, null, null),
        RowFactory.create(3, seq(), null),
        RowFactory.create(4, seq(5, 64), null),
        RowFactory.create(5, seq(tooLong), null),
        RowFactory.create(6, null, "t1"));
    JobConfig cfg = JobConfig.of(Map.of("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "", "max_new_tokens", "3"));
    Map<Integer, String> errors = new HashMap<>();
    for (Row r : SparkGen.generate(spark.session(), spark.session().createDataFrame(rows, schema), cfg).collectAsList()) {
      errors.put(r.getAs("id"), r.getAs("error"));
    }
    assertEquals(6, errors.size());
    assertNull(errors.get(1));
    assertTrue(errors.get(2).startsWith("no prompt"), errors.get(2));
    assertEquals("the prompt has no tokens", errors.get(3));
    assertTrue(errors.get(4).contains("token id 64 at position 1 is outside the vocabulary [0, 64)"), errors.get(4));
    assertTrue(errors.get(5).contains("64 tokens; the model's context is 64"), errors.get(5));
    assertNotNull(errors.get(6)); // the golden tokenizer.json cannot encode plain text: an error row, not a failed job
  }

  @Test
  void everyWeightsDistributionAndOtherPartitioningGiveTheSameRows() {
    JobConfig cfg = JobConfig.of(Map.of("model", TestSpark.GPT2_TINY.toString(), "max_new_tokens", "4",
        "do_sample", "true", "seed", "11", "partitions", "1", "batch_size", "4"));
    assertEquals(JobConfig.WeightsDistribution.FILE_SERVER, cfg.weightsDistribution()); // the default
    Map<Long, List<Integer>> served = tokensById(SparkGen.generate(spark.session(), idPrompts(), cfg));
    Map<Long, List<Integer>> broadcast = tokensById(SparkGen.generate(spark.session(), idPrompts(),
        cfg.with(Map.of("weights_distribution", "broadcast", "partitions", "2", "batch_size", "2"))));
    Map<Long, List<Integer>> files = tokensById(SparkGen.generate(spark.session(), idPrompts(),
        cfg.with(Map.of("weights_distribution", "files", "partitions", "3", "batch_size", "1"))));
    assertEquals(PROMPTS.length, served.size());
    assertEquals(served, broadcast);
    assertEquals(served, files);
  }

  /**
   * Continuous batching (with and without shared-prefix reuse) and static batches give every row the
   * same tokens and, within float rounding, log-probabilities: 24 prompts of 1 to 19 tokens, half
   * of them starting with one 12-token prefix, sampled twice each, with eos ending rows early;
   * cluster_by_prefix puts the prefix's prompts together.
   */
  @Test
  void continuousAndStaticSchedulersAndPrefixReuseGiveTheSameRows() {
    List<Row> rows = new ArrayList<>();
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    int[] prefix = random.ints(12, 0, 64).toArray();
    for (int i = 0; i < 24; i++) {
      int[] ids = i % 2 == 0 ? java.util.stream.IntStream.concat(java.util.Arrays.stream(prefix),
          random.ints(1 + random.nextInt(7), 0, 64)).toArray() : random.ints(1 + random.nextInt(19), 0, 64).toArray();
      rows.add(RowFactory.create(200L + i, scala.jdk.javaapi.CollectionConverters.asScala(
          java.util.Arrays.stream(ids).boxed().toList()).toSeq(), "n", scala.jdk.javaapi.CollectionConverters.asScala(
          List.<String>of()).toSeq()));
    }
    Dataset<Row> prompts = spark.session().createDataFrame(rows, IDS_SCHEMA);
    JobConfig cfg = JobConfig.of(Map.of("model", TestSpark.GPT2_TINY.toString(), "max_new_tokens", "12",
        "do_sample", "true", "seed", "3", "num_return_sequences", "2", "eos_token_id", "7,11,19", "partitions", "2",
        "output_logprobs", "true", "batch_size", "5", "prefix_min_tokens", "8"));
    Map<String, Row> continuous = bySample(SparkGen.generate(spark.session(), prompts, cfg));
    assertEquals(48, continuous.size());
    assertTrue(continuous.values().stream().anyMatch(r -> "eos".equals(r.getAs("finish_reason"))), "some rows end early");
    for (Map<String, String> other : List.of(Map.of("scheduler", "static", "batch_size", "auto", "partitions", "3",
        "cluster_by_prefix", "true"), Map.of("prefix_min_tokens", "0"))) {
      Map<String, Row> got = bySample(SparkGen.generate(spark.session(), prompts, cfg.with(other)));
      if (other.containsKey("cluster_by_prefix")) { // the 12 prompts with the prefix are neighbours: 2 partitions at most
        long holding = got.values().stream().filter(r -> r.<Long>getAs("id") % 2 == 0)
            .map(r -> r.<Integer>getAs("partition")).distinct().count();
        assertTrue(holding <= 2, "the prefix group spans " + holding + " of 3 partitions");
      }
      assertEquals(continuous.keySet(), got.keySet());
      for (Map.Entry<String, Row> e : continuous.entrySet()) {
        Row a = e.getValue();
        Row b = got.get(e.getKey());
        String what = other + " row " + e.getKey();
        assertEquals(a.getList(a.fieldIndex("generated_token_ids")), b.getList(b.fieldIndex("generated_token_ids")), what);
        assertEquals(a.<Double>getAs("cumulative_logprob"), b.<Double>getAs("cumulative_logprob"), 1e-4, what);
      }
    }
  }

  private static Map<String, Row> bySample(Dataset<Row> out) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : out.withColumn("partition", org.apache.spark.sql.functions.spark_partition_id()).collectAsList()) {
      m.put(r.getAs("id") + "/" + r.getAs("sample_index"), r);
    }
    return m;
  }

  @Test
  void beamSearchRowsCarryScoresRankedBestFirst() {
    JobConfig cfg = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "", "max_new_tokens", "5",
        "num_beams", "3", "num_return_sequences", "2", "eos_token_id", "15");
    try (ResolvedModel model = ResolvedModel.resolve(cfg);
        Tokenizer tok = Tokenizer.load(TestSpark.GPT2_TINY.resolve("tokenizer.json"));
        GenerationRun run = GenerationRun.prepare(spark.session(), cfg, model)) {
      List<Row> out = run.apply(idPrompts()).collectAsList();
      assertEquals(PROMPTS.length * 2, out.size());
      for (Row r : out) {
        int p = (int) (r.<Long>getAs("id") - 100);
        Sequence expected = TestSpark.alone(model, tok, RowKey.of(100L + p), PROMPTS[p]).get(r.<Integer>getAs("sample_index"));
        assertArrayEquals(expected.tokenIds(), ints(r.getList(r.fieldIndex("generated_token_ids"))), "prompt " + p);
        // float32 logits: a batch of 4 prompts and one alone round differently in the last bits
        assertEquals(expected.score(), r.<Double>getAs("score"), 1e-5);
        assertNull(r.getAs("token_logprobs")); // not asked for
      }
    }
  }

  @Test
  void oneShipmentServesRunsWithOtherGenerationSettingsEachEqualToItsPromptsAlone() {
    JobConfig greedy = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "", "max_new_tokens", "5",
        "weights_distribution", "broadcast");
    JobConfig sampling = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "", "max_new_tokens",
        "3", "do_sample", "true", "top_k", "8", "seed", "11", "weights_distribution", "broadcast");
    try (ModelShipment shipment = ModelShipment.prepare(spark.session(), greedy);
        Tokenizer tok = Tokenizer.load(TestSpark.GPT2_TINY.resolve("tokenizer.json"))) {
      List<Long> chunks = shipment.weightBroadcastIds();
      assertFalse(chunks.isEmpty());
      for (JobConfig cfg : List.of(greedy, sampling, greedy)) {
        GenerationConfig gen;
        List<Row> out;
        try (GenerationRun run = shipment.run(cfg)) { // closing a shipment's run leaves the shipment open
          gen = run.generation();
          out = run.apply(idPrompts()).collectAsList();
          assertEquals(chunks, run.weightBroadcastIds(), "the weights were shipped once");
        }
        assertEquals(cfg == greedy ? 5 : 3, gen.maxNewTokens());
        assertEquals(PROMPTS.length, out.size());
        try (CausalLm lm = CausalLm.of(shipment.model().checkpoint())) {
          for (Row r : out) {
            int p = (int) (r.<Long>getAs("id") - 100);
            Sequence expected = new Generator(lm, gen, tok)
                .generate(List.of(new PromptInput(RowKey.of(100L + p), PROMPTS[p])), 1).get(0).get(0);
            assertArrayEquals(expected.tokenIds(), ints(r.getList(r.fieldIndex("generated_token_ids"))), "prompt " + p);
          }
        }
      }
    }
  }

  @Test
  void aRunForAnotherModelIsRefusedByTheShipmentNamingTheKey() {
    JobConfig cfg = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "");
    try (ModelShipment shipment = ModelShipment.prepare(spark.session(), cfg)) {
      ConfigException e = assertThrows(ConfigException.class,
          () -> shipment.run(TestSpark.settings("model", "random", "tokenizer", "")));
      assertTrue(e.getMessage().startsWith("model=random differs from the model shipment's model="), e.getMessage());
      e = assertThrows(ConfigException.class, () -> shipment.run(TestSpark.settings("model",
          TestSpark.GPT2_TINY.toString(), "tokenizer", "", "weights_distribution", "files")));
      assertTrue(e.getMessage().startsWith("weights_distribution=FILES differs"), e.getMessage());
    }
  }

  @Test
  void sparkGenShipsAModelOncePerSparkContextAndModelKeys() {
    JobConfig a = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "", "max_new_tokens", "2");
    JobConfig b = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "", "max_new_tokens", "4",
        "do_sample", "true");
    JobConfig files = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "",
        "weights_distribution", "files");
    ModelShipment first = SessionShipments.forConfig(spark.session(), a);
    assertSame(first, SessionShipments.forConfig(spark.session(), b));
    assertNotSame(first, SessionShipments.forConfig(spark.session(), files));
    assertEquals(PROMPTS.length, SparkGen.generate(spark.session(), idPrompts(), b).count());
    assertSame(first, SessionShipments.forConfig(spark.session(), a));
  }

  @Test
  void csvAndTextInputsAreRead() throws Exception {
    Path csv = tmp.resolve("p.csv");
    Files.writeString(csv, "id,prompt_ids,note\n1,\"42 7\",a\n2,\"5,6,7\",b\n");
    Dataset<Row> fromCsv = dev.sparkgen.job.io.PromptReader.read(spark.session(), TestSpark.settings("input", csv.toString()));
    Map<String, List<Object>> ids = new HashMap<>();
    fromCsv.collectAsList().forEach(r -> ids.put(r.getAs("id"), r.getList(r.fieldIndex("prompt_ids"))));
    assertEquals(Map.of("1", List.of(42, 7), "2", List.of(5, 6, 7)), ids);
    Path txt = tmp.resolve("p.txt");
    Files.writeString(txt, "first prompt\nsecond prompt\n");
    List<Row> lines = dev.sparkgen.job.io.PromptReader.read(spark.session(), TestSpark.settings("input", txt.toString(),
        "prompt_column", "text")).collectAsList();
    assertEquals(List.of("first prompt", "second prompt"), lines.stream().map(r -> r.<String>getAs("text")).sorted().toList());
  }

  @Test
  void existingOutputIsRefusedUnlessOverwrite() throws Exception {
    Path output = Files.createDirectories(tmp.resolve("exists"));
    JobConfig cfg = JobConfig.of(Map.of("input", "x.parquet", "output", output.toString()));
    SetupException e = assertThrows(SetupException.class,
        () -> dev.sparkgen.job.io.ResultWriter.checkOutput(spark.session(), cfg));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    dev.sparkgen.job.io.ResultWriter.checkOutput(spark.session(), cfg.with(Map.of("mode", "overwrite")));
  }

  private static Map<Long, List<Integer>> tokensById(Dataset<Row> out) {
    Map<Long, List<Integer>> m = new HashMap<>();
    for (Row r : out.collectAsList()) {
      m.put(r.getAs("id"), r.getList(r.fieldIndex("generated_token_ids")));
    }
    return m;
  }

  private static Map<String, String> footer(Path output) throws Exception {
    try (Stream<Path> files = Files.list(output)) {
      Path part = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
      try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
          new org.apache.hadoop.fs.Path(part.toUri()), new Configuration()))) {
        return r.getFooter().getFileMetaData().getKeyValueMetaData();
      }
    }
  }

  private static scala.collection.immutable.Seq<Integer> seq(int... ids) {
    return scala.jdk.javaapi.CollectionConverters.asScala(toList(ids)).toList();
  }

  private static List<Integer> toList(int[] ids) {
    return java.util.Arrays.stream(ids).boxed().toList();
  }

  private static int[] ints(List<Object> list) {
    return list.stream().mapToInt(o -> ((Number) o).intValue()).toArray();
  }
}
