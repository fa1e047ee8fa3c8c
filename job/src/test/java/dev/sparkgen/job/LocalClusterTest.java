package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.exec.RowKey;
import dev.sparkgen.job.io.Summary;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.generate.Sequence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job with two separate executor JVMs ({@code local-cluster}): each builds the model exactly
 * once, and the rows equal what local mode gives (the model module's generation per prompt alone),
 * with the weights broadcast and with the model's files shipped by addFile.
 */
class LocalClusterTest {
  @TempDir Path tmp;

  @Test
  void eachExecutorJvmBuildsTheModelOnceAndRowsMatchLocalMode() throws Exception {
    // Spark's local-cluster mode looks for a Spark build unless told it is testing with a (bare) home.
    Path home = Files.createDirectories(tmp.resolve("spark-home/jars")).getParent();
    System.setProperty("spark.testing", "1");
    System.setProperty("spark.test.home", home.toString());
    SparkSession spark = TestSpark.builder("local-cluster[2,1,1024]")
        .config("spark.executor.memory", "1g")
        .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
        .config("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE")
        .config("spark.executor.extraJavaOptions", DjlEnvironment.javaOptions())
        .getOrCreate();
    try {
      awaitExecutors(spark, 2);
      Path input = tmp.resolve("prompts.jsonl");
      List<String> lines = new ArrayList<>();
      int[][] prompts = {{42}, {51, 1, 51, 30}, {32, 40, 18, 62, 3, 17, 24}, {36, 26, 8, 2, 0}, {5, 6}, {9}};
      for (int i = 0; i < prompts.length; i++) {
        lines.add("{\"id\": " + i + ", \"prompt_ids\": " + java.util.Arrays.toString(prompts[i]) + "}");
      }
      Files.write(input, lines);
      Path output = tmp.resolve("out");
      JobConfig cfg = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "input", input.toString(),
          "output", output.toString(), "do_sample", "true", "num_return_sequences", "2", "max_new_tokens", "5",
          "seed", "5", "partitions", "4", "batch_size", "2");
      try (ResolvedModel model = ResolvedModel.resolve(cfg)) {
        Summary summary = BatchJob.run(spark, cfg, model);
        assertEquals(Map.of("0", 1, "1", 1), summary.modelLoadsPerExecutor()); // two JVMs, one build each
        assertEquals(prompts.length * 2L, summary.rowsOut());
        List<Row> out = spark.read().parquet(output.toString()).collectAsList();
        assertEquals(prompts.length * 2, out.size());
        for (Row r : out) {
          int p = (int) r.<Long>getAs("id").longValue();
          Sequence expected = TestSpark.alone(model, null, RowKey.of((long) p), prompts[p]).get(r.<Integer>getAs("sample_index"));
          assertArrayEquals(expected.tokenIds(),
              r.getList(r.fieldIndex("generated_token_ids")).stream().mapToInt(o -> ((Number) o).intValue()).toArray());
        }
      }

      // The files route: a random model (vocab 20) saved by the driver and shipped with addFile.
      JobConfig files = TestSpark.settings("model", "random", "weights_distribution", "files", "max_new_tokens", "4",
          "seed", "9", "partitions", "4");
      Dataset<Row> ids = spark.read().json(input.toString()).selectExpr("id", "transform(prompt_ids, x -> x % 20) AS prompt_ids");
      try (ResolvedModel model = ResolvedModel.resolve(files); GenerationRun run = GenerationRun.prepare(spark, files, model)) {
        List<Row> out = run.apply(ids).collectAsList();
        assertEquals(Map.of("0", 1, "1", 1), run.modelLoads());
        assertEquals(prompts.length, out.size());
        for (Row r : out) {
          int p = (int) r.<Long>getAs("id").longValue();
          int[] prompt = java.util.Arrays.stream(prompts[p]).map(x -> x % 20).toArray();
          assertArrayEquals(TestSpark.alone(model, null, RowKey.of((long) p), prompt).get(0).tokenIds(),
              r.getList(r.fieldIndex("generated_token_ids")).stream().mapToInt(o -> ((Number) o).intValue()).toArray());
        }
      }
    } finally {
      spark.stop();
      System.clearProperty("spark.testing");
      System.clearProperty("spark.test.home");
    }
  }

  private static void awaitExecutors(SparkSession spark, int n) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (spark.sparkContext().getExecutorMemoryStatus().size() < n + 1 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertTrue(spark.sparkContext().getExecutorMemoryStatus().size() >= n + 1, "executors did not register");
  }
}
