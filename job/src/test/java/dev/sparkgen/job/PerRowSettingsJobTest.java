package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.error.SetupException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * generation_params_column: each row with its own settings gets exactly what a whole job with those
 * settings gives it, while sharing batches with the others; bad entries are that row's error.
 */
class PerRowSettingsJobTest {
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]");

  private static final int[][] PROMPTS = {{42}, {51, 1, 51, 30}, {32, 40, 18, 62, 3, 17, 24}, {36, 26, 8, 2, 0},
      {7, 7}, {12, 13, 14}, {60}};
  /** Per prompt: its own settings (null = the job's); the last two are invalid. */
  private static final List<Map<String, String>> OWN = Arrays.asList(
      null,
      Map.of("do_sample", "true", "temperature", "0.7", "seed", "9", "num_return_sequences", "2", "top_k", "20"),
      Map.of("max_new_tokens", "2", "repetition_penalty", "1.5"),
      Map.of("num_beams", "3", "num_return_sequences", "2"),
      Map.of("do_sample", "true", "top_p", "0.8", "min_p", "0.05", "output_logprobs", "true"),
      Map.of("temperature", "-1", "do_sample", "true"),
      Map.of("max_tokens", "5"));

  private static final JobConfig JOB = JobConfig.of(Map.of("model", TestSpark.GPT2_TINY.toString(), "tokenizer", "",
      "max_new_tokens", "5", "batch_size", "8", "partitions", "1", "generation_params_column", "params"));

  private static Dataset<Row> prompts(boolean json) {
    StructType schema = new StructType().add("id", DataTypes.LongType)
        .add("prompt_ids", DataTypes.createArrayType(DataTypes.IntegerType))
        .add("params", json ? DataTypes.StringType : DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < PROMPTS.length; i++) {
      Map<String, String> own = OWN.get(i);
      Object params = own == null ? null : json ? new Gson().toJson(own) : own; // a java.util.Map is converted
      rows.add(RowFactory.create((long) i, ids(PROMPTS[i]), params));
    }
    return spark.session().createDataFrame(rows, schema);
  }

  private static scala.collection.immutable.Seq<Integer> ids(int[] ids) {
    return scala.jdk.javaapi.CollectionConverters.asScala(Arrays.stream(ids).boxed().toList()).toList();
  }

  /** "id/sample_index" -> tokens, reason, token_logprobs length and error; then "~" + key -> cumulative logprob and score. */
  private static Map<String, String> results(Dataset<Row> out) {
    Map<String, String> m = new TreeMap<>();
    for (Row r : out.collectAsList()) {
      String k = r.getAs("id") + "/" + r.getAs("sample_index");
      m.put(k, r.getAs("generated_token_ids") + " " + r.getAs("finish_reason") + " "
          + (r.isNullAt(r.fieldIndex("token_logprobs")) ? "-" : r.getList(r.fieldIndex("token_logprobs")).size())
          + " " + r.getAs("error"));
      m.put("~" + k, r.getAs("cumulative_logprob") + " " + r.getAs("score"));
    }
    return m;
  }

  /** Equal tokens, reasons and errors; log-probabilities and scores within float32 rounding of another batch shape. */
  private static void assertSameRow(Map<String, String> expected, Map<String, String> actual, String k, String what) {
    assertEquals(expected.get(k), actual.get(k), what);
    String[] e = expected.get("~" + k).split(" ");
    String[] a = actual.get("~" + k).split(" ");
    for (int i = 0; i < 2; i++) {
      if (e[i].equals("null")) {
        assertEquals("null", a[i], what);
      } else {
        assertEquals(Double.parseDouble(e[i]), Double.parseDouble(a[i]), 1e-5, what); // as SparkGenLocalTest
      }
    }
  }

  @Test
  void eachRowGetsWhatAWholeJobWithItsSettingsGivesIt() {
    Map<String, String> mixed = results(SparkGen.generate(spark.session(), prompts(false), JOB));
    for (int i = 0; i < 5; i++) {
      JobConfig whole = JOB.with(Map.of("generation_params_column", ""));
      if (OWN.get(i) != null) {
        whole = whole.with(OWN.get(i));
      }
      Map<String, String> alone = results(SparkGen.generate(spark.session(), prompts(false).drop("params"), whole));
      int samples = OWN.get(i) == null ? 1 : Integer.parseInt(OWN.get(i).getOrDefault("num_return_sequences", "1"));
      for (int s = 0; s < samples; s++) {
        String k = i + "/" + s;
        assertSameRow(alone, mixed, k, "row " + k + " with " + OWN.get(i));
        assertTrue(mixed.get(k).endsWith(" null"), mixed.get(k)); // no error
      }
      assertNull(mixed.get(i + "/" + samples), "row " + i + " has " + samples + " output rows");
    }
    String two = mixed.get("2/0"); // max_new_tokens=2 for this row, 5 for the job
    assertTrue(two.substring(0, two.indexOf(')')).split(",").length <= 2, two);
    assertTrue(mixed.get("~3/0").matches("\\S+ -?[0-9.E-]+"), mixed.get("~3/0")); // beam search: a score
    assertTrue(mixed.get("~0/0").endsWith(" null"), mixed.get("~0/0")); // greedy: no score
    String bad = mixed.get("5/0");
    assertTrue(bad.contains("generation_params_column") && bad.contains("temperature=-1"), bad);
    String unknown = mixed.get("6/0");
    assertTrue(unknown.contains("unknown generation setting max_tokens=5"), unknown);
    assertEquals(2 * (1 + 2 + 1 + 2 + 1 + 1 + 1), mixed.size());
  }

  @Test
  void aRowWhoseOwnSettingsNeedMoreThanMaxBatchMemoryIsThatRowsError() {
    // max_batch_memory fits one prompt's rows under the job's settings, not 32 return sequences.
    long one;
    try (dev.sparkgen.job.driver.ResolvedModel resolved = dev.sparkgen.job.driver.ResolvedModel.resolve(JOB)) {
      one = dev.sparkgen.model.generate.BatchMemory.of(resolved.checkpoint().config(), resolved.generation(),
          dev.sparkgen.model.generate.Scheduler.STATIC, 1, 7, true).total();
    }
    JobConfig tight = JOB.with(Map.of("max_batch_memory", Long.toString(3 * one), "scheduler", "static"));
    StructType schema = new StructType().add("id", DataTypes.LongType)
        .add("prompt_ids", DataTypes.createArrayType(DataTypes.IntegerType))
        .add("params", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
    Dataset<Row> in = spark.session().createDataFrame(List.of(RowFactory.create(0L, ids(PROMPTS[2]), null),
        RowFactory.create(1L, ids(PROMPTS[3]), Map.of("do_sample", "true", "num_return_sequences", "32"))), schema);
    Map<String, String> out = results(SparkGen.generate(spark.session(), in, tight));
    assertTrue(out.get("0/0").endsWith(" null"), out.get("0/0"));
    String big = out.get("1/0");
    assertTrue(big.contains("for its rows alone, more than max_batch_memory"), big);
  }

  @Test
  void aJsonColumnGivesWhatTheMapColumnGives() {
    Map<String, String> map = results(SparkGen.generate(spark.session(), prompts(false), JOB));
    Map<String, String> json = results(SparkGen.generate(spark.session(), prompts(true), JOB));
    assertEquals(map.keySet(), json.keySet());
    map.keySet().stream().filter(k -> !k.startsWith("~")).forEach(k -> assertSameRow(map, json, k, k));
    Dataset<Row> badJson = spark.session().createDataFrame(List.of(RowFactory.create(1L, ids(new int[] {5}), "{\"top_k\": ")),
        prompts(true).schema());
    String error = SparkGen.generate(spark.session(), badJson, JOB).first().getAs("error");
    assertTrue(error.startsWith("generation_params_column: invalid JSON"), error);
  }

  @Test
  void aMissingOrMistypedColumnIsRefusedBeforeAnyTask() {
    SetupException missing = assertThrows(SetupException.class,
        () -> SparkGen.generate(spark.session(), prompts(false).drop("params"), JOB));
    assertTrue(missing.getMessage().contains("generation_params_column 'params' is not in the input"),
        missing.getMessage());
    Dataset<Row> typed = prompts(false).drop("params").withColumn("params", org.apache.spark.sql.functions.lit(3));
    SetupException wrong = assertThrows(SetupException.class, () -> SparkGen.generate(spark.session(), typed, JOB));
    assertTrue(wrong.getMessage().contains("must be map<string,string> or a JSON object string, not int"),
        wrong.getMessage());
  }
}
