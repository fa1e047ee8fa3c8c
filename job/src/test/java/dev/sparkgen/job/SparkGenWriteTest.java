package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.job.io.Summary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link SparkGen#write}: the Java API's output carries the command line's Parquet footer and _summary.json. */
class SparkGenWriteTest {
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]");
  @TempDir Path tmp;

  @Test
  void writeGivesTheCommandLinesFooterAndSummary() throws Exception {
    Path input = tmp.resolve("prompts.jsonl");
    Files.write(input, List.of("{\"id\": 1, \"prompt_ids\": [42]}", "{\"id\": 2, \"prompt_ids\": [51, 1, 51, 30]}",
        "{\"id\": 3, \"prompt_ids\": [32, 40, 18]}"));
    Map<String, String> common = Map.of("model", TestSpark.GPT2_TINY.toString(), "input", input.toString(),
        "max_new_tokens", "4", "do_sample", "true", "seed", "5", "num_return_sequences", "2", "partitions", "2");
    Path cliOut = tmp.resolve("cli");
    Path apiOut = tmp.resolve("api");
    JobConfig cli = TestSpark.settings(common, "output", cliOut.toString());
    JobConfig api = TestSpark.settings(common, "output", apiOut.toString());
    try (ResolvedModel model = ResolvedModel.resolve(cli)) {
      BatchJob.run(spark.session(), cli, model);
    }
    Dataset<Row> prompts = spark.session().read().json(input.toString());
    Summary summary = SparkGen.write(spark.session(), prompts, api);

    Map<String, String> cliFooter = footer(cliOut);
    Map<String, String> apiFooter = footer(apiOut);
    assertTrue(cliFooter.containsKey("sparkgen.model.sha256"), cliFooter.toString());
    assertEquals(Set.of("sparkgen.model.sha256", "sparkgen.model.family", "sparkgen.model.parameters",
        "sparkgen.model.source", "sparkgen.generation"), sparkgenOnly(apiFooter).keySet());
    assertEquals(sparkgenOnly(cliFooter), sparkgenOnly(apiFooter)); // same keys, same values

    JsonObject cliSummary = summaryJson(cliOut);
    JsonObject apiSummary = summaryJson(apiOut);
    assertEquals(cliSummary.keySet(), apiSummary.keySet());
    for (String k : List.of("rows_in", "rows_out", "errors", "failed_prompts", "skipped_blank", "prompt_tokens",
        "generated_tokens", "model", "generation")) {
      assertEquals(cliSummary.get(k), apiSummary.get(k), k);
    }
    assertEquals(3, apiSummary.get("rows_in").getAsLong());
    assertEquals(6, apiSummary.get("rows_out").getAsLong());
    assertEquals(apiOut.toString(), apiSummary.get("output").getAsString());
    assertEquals(summary.rowsOut(), apiSummary.get("rows_out").getAsLong());
    assertTrue(summary.generationSeconds() > 0);
    // The rows themselves agree too (the same keys: the id column).
    assertEquals(rows(cliOut), rows(apiOut));
  }

  @Test
  void writeRefusesAMissingOutputAndAnExistingOneUnderModeError() throws Exception {
    Dataset<Row> prompts = spark.session().read().json(spark.session().createDataset(List.of("{\"id\": 1, \"prompt_ids\": [42]}"),
        org.apache.spark.sql.Encoders.STRING()));
    JobConfig noOutput = JobConfig.of(Map.of("model", TestSpark.GPT2_TINY.toString(), "max_new_tokens", "2"));
    assertTrue(assertThrows(ConfigException.class, () -> SparkGen.write(spark.session(), prompts, noOutput)).getMessage()
        .contains("output"));
    Path out = tmp.resolve("exists");
    Files.createDirectories(out);
    SetupException e = assertThrows(SetupException.class,
        () -> SparkGen.write(spark.session(), prompts, noOutput.with(Map.of("output", out.toString()))));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    Summary s = SparkGen.write(spark.session(), prompts, noOutput.with(Map.of("output", out.toString(), "mode", "overwrite")));
    assertEquals(1, s.rowsOut());
    assertTrue(Files.exists(out.resolve("_summary.json")));
    assertFalse(footer(out).isEmpty());
  }

  private static Map<String, String> sparkgenOnly(Map<String, String> footer) {
    return footer.entrySet().stream().filter(e -> e.getKey().startsWith("sparkgen."))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  private static JsonObject summaryJson(Path output) throws Exception {
    return JsonParser.parseString(Files.readString(output.resolve("_summary.json"))).getAsJsonObject();
  }

  private static Set<String> rows(Path output) {
    Set<String> out = new TreeSet<>();
    for (Row r : spark.session().read().parquet(output.toString()).collectAsList()) {
      out.add(r.getAs("id") + "/" + r.getAs("sample_index") + "=" + r.getList(r.fieldIndex("generated_token_ids")));
    }
    return out;
  }

  private static Map<String, String> footer(Path output) throws Exception {
    List<Path> parts;
    try (Stream<Path> files = Files.list(output)) {
      parts = new ArrayList<>(files.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList());
    }
    assertFalse(parts.isEmpty(), "no parquet file in " + output);
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
        new org.apache.hadoop.fs.Path(parts.get(0).toString()), new Configuration()))) {
      return r.getFooter().getFileMetaData().getKeyValueMetaData();
    }
  }
}
