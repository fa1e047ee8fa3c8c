package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.exec.RowKey;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Generator;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link SparkGen#register}: generate_text through spark.sql, batched, equal to the Java API and to the model alone. */
class SqlFunctionTest {
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]");
  private static final List<String> TEXTS = List.of("Hello world", "The quick brown fox", "Spark runs the model",
      "a", "Once upon a time there was");
  private static final JobConfig CFG = JobConfig.of(Map.of("model", "random", "tokenizer",
      TestSpark.GPT2_TOKENIZER.toString(), "max_new_tokens", "4", "seed", "3", "batch_size", "4"));

  @BeforeAll
  static void start() {
    StructType schema = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType)
        .add("params", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < TEXTS.size(); i++) {
      Map<String, String> params = i == 2 ? Map.of("temperature", "-1", "do_sample", "true")
          : i == 3 ? Map.of("max_new_tokens", "2") : null;
      rows.add(RowFactory.create((long) i, TEXTS.get(i), params));
    }
    spark.session().createDataFrame(rows, schema).repartition(2).createOrReplaceTempView("prompts");
    SparkGen.register(spark.session(), "generate_text", CFG);
  }

  @Test
  void selectListCallsRunBatchedAndEqualTheJavaApi() {
    Dataset<Row> sql = spark.session().sql("SELECT id, generate_text(prompt) AS g, upper(prompt) AS loud FROM prompts");
    String optimized = sql.queryExecution().optimizedPlan().toString();
    assertTrue(optimized.contains("MapPartitions"), optimized); // one partition function, batches inside
    assertFalse(optimized.contains("generate_text("), optimized); // no per-row call left
    Map<Long, Row> bySql = new HashMap<>();
    for (Row r : sql.collectAsList()) {
      bySql.put(r.getLong(0), r);
    }
    assertEquals(TEXTS.size(), bySql.size());
    Dataset<Row> api = SparkGen.generate(spark.session(), spark.session().table("prompts").drop("params"), CFG);
    for (Row r : api.collectAsList()) { // greedy: no sampling keys involved
      Row s = bySql.get(r.<Long>getAs("id"));
      Row g = s.getStruct(1);
      assertEquals(r.<String>getAs("generated_text"), g.getAs("generated_text"));
      assertEquals(r.getList(r.fieldIndex("generated_token_ids")), g.getList(g.fieldIndex("generated_token_ids")));
      assertEquals(r.<String>getAs("finish_reason"), g.getAs("finish_reason"));
      assertEquals(r.<Double>getAs("cumulative_logprob"), g.<Double>getAs("cumulative_logprob"));
      assertNull(g.getAs("error"));
      assertEquals(r.<String>getAs("prompt").toUpperCase(), s.getString(2));
    }
  }

  @Test
  void perCallSettingsEqualTheModelAloneAndErrorsFilterOut() throws Exception {
    Map<Long, Row> sampled = new HashMap<>();
    for (Row r : spark.session().sql("SELECT id, prompt, generate_text(prompt, map('do_sample', 'true', 'temperature', '0.7',"
        + " 'top_k', '20')) AS g FROM prompts").collectAsList()) {
      sampled.put(r.getLong(0), r.getStruct(2));
    }
    try (ResolvedModel model = ResolvedModel.resolve(CFG); Tokenizer tok = Tokenizer.load(TestSpark.GPT2_TOKENIZER);
        CausalLm lm = CausalLm.of(model.checkpoint())) {
      GenerationConfig own = GenerationConfig.fromMap(Map.of("do_sample", "true", "temperature", "0.7", "top_k", "20"),
          model.generation());
      for (int i = 0; i < TEXTS.size(); i++) {
        // The SQL function keys a row's sampling stream by its prompt text.
        Sequence alone = new Generator(lm, own, tok).generate(List.of(new PromptInput(RowKey.of(TEXTS.get(i)),
            tok.encode(TEXTS.get(i)))), 1).get(0).get(0);
        Row g = sampled.get((long) i);
        assertEquals(Arrays.stream(alone.tokenIds()).boxed().toList(), g.getList(g.fieldIndex("generated_token_ids")),
            TEXTS.get(i));
        assertEquals(alone.text(), g.getAs("generated_text"));
      }
    }
    List<Row> ok = spark.session().sql("SELECT id, g.generated_text, g.generated_token_ids FROM (SELECT id,"
        + " generate_text(prompt, params) AS g FROM prompts) WHERE g.error IS NULL").collectAsList();
    assertEquals(TEXTS.size() - 1, ok.size());
    assertTrue(ok.stream().noneMatch(r -> r.getLong(0) == 2L));
    ok.stream().filter(r -> r.getLong(0) == 3L).forEach(r -> assertEquals(2, r.getList(2).size())); // max_new_tokens 2
    Row bad = spark.session().sql("SELECT generate_text(prompt, params).error FROM prompts WHERE id = 2").first();
    assertTrue(bad.getString(0).contains("temperature=-1"), bad.getString(0));
    Row json = spark.session().sql("SELECT generate_text(prompt, '{\"max_new_tokens\": 1}') AS g FROM prompts WHERE id = 0")
        .first();
    assertEquals(1, json.getStruct(0).getList(1).size());
  }

  @Test
  void aNullOrEmptyPromptArgumentIsAnErrorNamingThePromptNotAnInternalColumn() {
    Row nul = spark.session().sql("SELECT generate_text(CAST(NULL AS STRING)).error FROM prompts WHERE id = 0").first();
    assertEquals("no prompt: prompt null", nul.getString(0));
    Row empty = spark.session().sql("SELECT generate_text('').error FROM prompts WHERE id = 0").first();
    assertEquals("prompt is empty", empty.getString(0));
  }

  @Test
  void callsOutsideASelectListAndBadArgumentsAreRefusedWithTheReason() {
    Exception where = assertThrows(Exception.class,
        () -> spark.session().sql("SELECT id FROM prompts WHERE generate_text(prompt).error IS NULL").collectAsList());
    assertTrue(chain(where).contains("SELECT list"), chain(where));
    Exception arity = assertThrows(Exception.class, () -> spark.session().sql("SELECT generate_text() FROM prompts"));
    assertTrue(chain(arity).contains("takes (prompt) or (prompt, params)"), chain(arity));
    Exception type = assertThrows(Exception.class, () -> spark.session().sql("SELECT generate_text(id) FROM prompts"));
    assertTrue(chain(type).contains("the prompt must be a string, not bigint"), chain(type));
    ConfigException many = assertThrows(ConfigException.class,
        () -> SparkGen.register(spark.session(), "gen2", CFG.with(Map.of("num_return_sequences", "2", "do_sample", "true"))));
    assertTrue(many.getMessage().contains("num_return_sequences=2"), many.getMessage());
    ConfigException noTokenizer = assertThrows(ConfigException.class, () -> SparkGen.register(spark.session(), "gen3",
        JobConfig.of(Map.of("model", "random"))));
    assertTrue(noTokenizer.getMessage().contains("no tokenizer"), noTokenizer.getMessage());
  }

  private static String chain(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      b.append(c).append(" | ");
    }
    return b.toString();
  }
}
