package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.config.Settings;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.job.exec.RowKey;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.generate.Generator;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.constraint.ResponseFormat;
import dev.sparkgen.model.generate.constraint.TokenConstraint;
import dev.sparkgen.model.generate.constraint.TokenVocabulary;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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

/** response_format, response_format_column and on_incomplete through the job (model=random, GPT-2 tokenizer). */
class StructuredOutputJobTest {
  static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":6},"
      + "\"ok\":{\"type\":\"boolean\"},\"kind\":{\"enum\":[\"a\",\"b\"]}},\"required\":[\"name\",\"ok\",\"kind\"]}";
  static final String CHOICE = "choice:[\"red\", \"green\", \"blue\"]";
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]");
  @TempDir Path tmp;

  private static Dataset<Row> prompts() {
    StructType schema = new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType)
        .add("format", DataTypes.StringType);
    List<Row> rows = List.of(
        RowFactory.create("s1", "A record:", "json_schema:" + SCHEMA),
        RowFactory.create("s2", "Another record:", "json_schema:" + SCHEMA),
        RowFactory.create("r1", "A code:", "regex:[A-Z]{2}-[0-9]{3}"),
        RowFactory.create("c1", "Pick a colour:", null), // the job's setting
        RowFactory.create("c2", "Your favourite colour is", null),
        RowFactory.create("bad", "Refused:", "json_schema:{\"type\":\"integer\",\"minimum\":3}"),
        RowFactory.create("worse", "Malformed:", "yaml:x: 1"));
    return spark.session().createDataFrame(rows, schema);
  }

  private static JobConfig config(String... more) {
    Map<String, String> m = new HashMap<>(Map.of("model", "random", "tokenizer", TestSpark.GPT2_TOKENIZER.toString(),
        "max_new_tokens", "40", "response_format", CHOICE, "response_format_column", "format", "seed", "4"));
    for (int i = 0; i < more.length; i += 2) {
      m.put(more[i], more[i + 1]);
    }
    return JobConfig.of(m);
  }

  private static Map<String, Row> run(JobConfig cfg) {
    Map<String, Row> out = new HashMap<>();
    for (Row r : SparkGen.generate(spark.session(), prompts(), cfg).collectAsList()) {
      out.put(r.getAs("id"), r);
    }
    return out;
  }

  private static int[] ids(Row r) {
    List<Integer> l = r.getList(r.fieldIndex("generated_token_ids"));
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void perRowFormatsAreFollowedAndRefusedOnesAreThatRowsError() {
    Map<String, Row> out = run(config());
    assertEquals(7, out.size());
    int eos = 0;
    for (String id : List.of("s1", "s2", "r1", "c1", "c2")) {
      Row r = out.get(id);
      String text = r.getAs("generated_text");
      if ("eos".equals(r.getAs("finish_reason"))) {
        eos++;
        assertNull(r.getAs("error"), id);
        if (id.startsWith("s")) {
          JsonObject o = JsonParser.parseString(text).getAsJsonObject();
          assertEquals(List.of("name", "ok", "kind"), new ArrayList<>(o.keySet()), text);
        } else if (id.equals("r1")) {
          assertTrue(text.matches("[A-Z]{2}-[0-9]{3}"), text);
        } else {
          assertTrue(List.of("red", "green", "blue").contains(text), text);
        }
      } else {
        assertEquals("length", r.getAs("finish_reason"));
        assertTrue(r.<String>getAs("error").startsWith("incomplete response_format"), r.<String>getAs("error"));
      }
    }
    assertTrue(eos >= 3, "most rows should complete their format: " + eos);
    String bad = out.get("bad").getAs("error");
    assertTrue(bad.startsWith("response_format_column: ") && bad.contains("'minimum'")
        && bad.contains("#/minimum"), bad);
    String worse = out.get("worse").getAs("error");
    assertTrue(worse.contains("must be json, json_schema:SCHEMA"), worse);
  }

  @Test
  void aJobRowEqualsTheRowGeneratedAloneUnderItsFormat() {
    JobConfig cfg = config();
    Map<String, Row> out = run(cfg);
    try (ResolvedModel model = ResolvedModel.resolve(cfg); Tokenizer tok = Tokenizer.load(TestSpark.GPT2_TOKENIZER);
        CausalLm lm = CausalLm.of(model.checkpoint())) {
      TokenVocabulary vocabulary = TokenVocabulary.load(TestSpark.GPT2_TOKENIZER);
      for (String[] row : new String[][] {{"s1", "A record:", "json_schema:" + SCHEMA}, {"c1", "Pick a colour:", CHOICE}}) {
        TokenConstraint c = vocabulary.constraint(ResponseFormat.parse(row[2]), 0);
        Sequence alone = new Generator(lm, model.generation(), tok)
            .generate(List.of(new PromptInput(RowKey.of(row[0]), tok.encode(row[1]), c)), 1).get(0).get(0);
        assertArrayEquals(alone.tokenIds(), ids(out.get(row[0])), row[0]);
      }
    }
  }

  @Test
  void onIncompleteKeepLeavesCutRowsWithoutAnError() {
    Map<String, Row> strict = run(config("max_new_tokens", "3"));
    Map<String, Row> kept = run(config("max_new_tokens", "3", "on_incomplete", "keep"));
    Row cut = strict.get("s1");
    assertEquals("length", cut.getAs("finish_reason"));
    assertTrue(cut.<String>getAs("error").contains("max_new_tokens=3"), cut.<String>getAs("error"));
    assertEquals(cut.<String>getAs("generated_text"), kept.get("s1").getAs("generated_text"));
    assertNull(kept.get("s1").getAs("error"));
    assertTrue(kept.get("bad").<String>getAs("error").contains("minimum"), "a refused format stays an error");
  }

  @Test
  void aRefusedJobFormatStopsTheRunBeforeSparkWithKeywordAndPath() {
    JobConfig cfg = config("response_format", "json_schema:{\"type\":\"object\",\"properties\":{\"a\":{\"not\":{}}}}");
    ConfigException e = assertThrows(ConfigException.class, () -> ResolvedModel.resolve(cfg));
    assertTrue(e.getMessage().startsWith("response_format: ") && e.getMessage().contains("'not'")
        && e.getMessage().contains("#/properties/a/not"), e.getMessage());
    ConfigException syntax = assertThrows(ConfigException.class, () -> config("response_format", "regex"));
    assertTrue(syntax.getMessage().contains("response_format"), syntax.getMessage());
    ConfigException noEos = assertThrows(ConfigException.class,
        () -> ResolvedModel.resolve(config("eos_token_id", "none")));
    assertTrue(noEos.getMessage().contains("eos_token_id"), noEos.getMessage());
    SetupException noColumn = assertThrows(SetupException.class,
        () -> SparkGen.generate(spark.session(), prompts(), config("response_format_column", "fmt")));
    assertTrue(noColumn.getMessage().contains("response_format_column 'fmt'"), noColumn.getMessage());
  }

  @Test
  void aSchemaFileIsReadRelativeToTheConfFile() throws Exception {
    Files.writeString(tmp.resolve("person.json"), SCHEMA);
    Path conf = tmp.resolve("job.properties");
    Files.writeString(conf, "response_format=json_schema:@person.json\n");
    Map<String, String> file = Settings.readFile(conf);
    assertEquals("json_schema:@" + tmp.resolve("person.json"), file.get("response_format"));
    JobConfig cfg = JobConfig.of(file);
    assertEquals("json_schema:" + SCHEMA, cfg.structuredOutput().format(), "the schema travels inline");
    ConfigException missing = assertThrows(ConfigException.class,
        () -> JobConfig.of(Map.of("response_format", "json_schema:@" + tmp.resolve("nope.json"))));
    assertTrue(missing.getMessage().contains("nope.json"), missing.getMessage());
  }
}
