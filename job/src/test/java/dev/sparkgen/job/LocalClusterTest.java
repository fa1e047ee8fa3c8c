package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.exec.RowKey;
import dev.sparkgen.job.io.Summary;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.generate.Sequence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkEnv;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.BlockManagerMaster;
import org.apache.spark.storage.BlockStatus;
import org.apache.spark.storage.BroadcastBlockId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The job with two separate executor JVMs ({@code local-cluster}): each builds the model exactly
 * once, and the rows equal what local mode gives (the model module's generation per prompt alone),
 * with the weights broadcast and with the model's files shipped by addFile; then an executor JVM
 * halted mid-job (fault=kill_executor) is replaced and the output equals a clean run's. One
 * cluster for both (about 20-40 s to start); the executor is killed last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterTest {
  private static SparkSession spark;
  private static final AtomicInteger REMOVED_EXECUTORS = new AtomicInteger();
  @TempDir static Path home;
  @TempDir Path tmp;

  @BeforeAll
  static void startCluster() throws Exception {
    // Spark's local-cluster mode looks for a Spark build unless told it is testing with a (bare) home.
    Files.createDirectories(home.resolve("spark-home/jars"));
    System.setProperty("spark.testing", "1");
    System.setProperty("spark.test.home", home.resolve("spark-home").toString());
    spark = LocalSpark.builder("local-cluster[2,1,1024]")
        .config("spark.executor.memory", "1g")
        .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
        .config("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE")
        .config("spark.executor.extraJavaOptions", DjlEnvironment.javaOptions())
        .getOrCreate();
    spark.sparkContext().addSparkListener(new SparkListener() {
      @Override
      public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        REMOVED_EXECUTORS.incrementAndGet();
      }
    });
    awaitExecutors(spark, 2);
  }

  @AfterAll
  static void stopCluster() {
    spark.stop();
    System.clearProperty("spark.testing");
    System.clearProperty("spark.test.home");
  }

  @Test
  @Order(1)
  void eachExecutorJvmBuildsTheModelOnceAndRowsMatchLocalMode() throws Exception {
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
      assertEverythingListensOnLoopback();
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
  }

  /**
   * weights_distribution=broadcast in many small chunks: each executor builds the model once and
   * then holds no copy of any chunk (neither the value nor its pieces, as its BlockManager reports
   * to the master), while the driver keeps every chunk's pieces for executors that start later.
   */
  @Test
  @Order(2)
  void broadcastChunksLeaveNoCopyOnTheExecutorsAndTheDriverKeepsThePieces() throws Exception {
    Path input = tmp.resolve("prompts.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      lines.add("{\"id\": " + i + ", \"prompt_ids\": [" + (i * 11 % 63) + ", " + (i * 5 % 63) + "]}");
    }
    Files.write(input, lines);
    JobConfig cfg = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "max_new_tokens", "3", "seed", "3",
        "partitions", "4");
    Dataset<Row> prompts = spark.read().json(input.toString());
    try (ResolvedModel model = ResolvedModel.resolve(cfg); GenerationRun run = GenerationRun.prepare(spark, cfg, model, 4096)) {
      List<Row> out = run.apply(prompts).collectAsList();
      assertEquals(Map.of("0", 1, "1", 1), run.modelLoads());
      assertEquals(6, out.size());
      for (Row r : out) {
        int p = (int) r.<Long>getAs("id").longValue();
        int[] prompt = r.getList(r.fieldIndex("prompt_ids")).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        assertArrayEquals(TestSpark.alone(model, null, RowKey.of((long) p), prompt).get(0).tokenIds(),
            r.getList(r.fieldIndex("generated_token_ids")).stream().mapToInt(o -> ((Number) o).intValue()).toArray());
      }
      List<Long> chunks = run.weightBroadcastIds();
      assertTrue(chunks.size() > 3, "chunks: " + chunks.size());
      BlockManagerMaster master = SparkEnv.get().blockManager().master();
      for (long id : chunks) {
        for (String field : List.of("", "piece0")) {
          BroadcastBlockId block = new BroadcastBlockId(id, field);
          Map<BlockManagerId, BlockStatus> where = CollectionConverters.asJava(master.getBlockStatus(block, true));
          for (Map.Entry<BlockManagerId, BlockStatus> e : where.entrySet()) {
            assertTrue(e.getKey().isDriver() || !e.getValue().isCached(), block + " is still on executor " + e.getKey());
          }
          boolean onDriver = where.entrySet().stream().anyMatch(e -> e.getKey().isDriver() && e.getValue().isCached());
          assertEquals(!field.isEmpty(), onDriver, block + " on the driver: " + where);
        }
      }
    }
  }

  @Test
  @Order(3)
  void anExecutorKilledMidJobIsReplacedAndTheOutputEqualsACleanRun() throws Exception {
    Path input = tmp.resolve("prompts.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      lines.add("{\"id\": " + i + ", \"prompt_ids\": [" + (i * 7 % 63) + ", " + (i * 13 % 63) + "]}");
    }
    Files.write(input, lines);
    JobConfig clean = TestSpark.settings("model", TestSpark.GPT2_TINY.toString(), "input", input.toString(),
        "output", tmp.resolve("clean").toString(), "do_sample", "true", "num_return_sequences", "2",
        "max_new_tokens", "5", "seed", "13", "partitions", "4", "batch_size", "2");
    JobConfig killed = clean.with(Map.of("output", tmp.resolve("killed").toString(), "fault", "kill_executor:1"));
    try (ResolvedModel model = ResolvedModel.resolve(clean)) {
      BatchJob.run(spark, clean, model);
      int removedBefore = REMOVED_EXECUTORS.get();
      Summary summary = BatchJob.run(spark, killed, model); // the executor running partition 1 halts after its first row
      long deadline = System.nanoTime() + 10_000_000_000L; // the listener bus is asynchronous
      while (REMOVED_EXECUTORS.get() == removedBefore && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(removedBefore + 1, REMOVED_EXECUTORS.get(), "one executor JVM was lost");
      assertEquals(16, summary.rowsOut());
      assertEquals(0, summary.errors());
    }
    List<String> expected = sortedRows(tmp.resolve("clean"));
    assertEquals(16, expected.size());
    assertEquals(expected, sortedRows(tmp.resolve("killed")));
  }

  /**
   * The master, the workers (in this JVM) and the executor JVMs they launched listen on loopback
   * only (surefire sets SPARK_LOCAL_IP=127.0.0.1, which the executors inherit).
   */
  private static void assertEverythingListensOnLoopback() throws Exception {
    if (!ListeningSockets.available()) {
      return; // not Linux
    }
    List<Long> pids = new ArrayList<>(List.of(ProcessHandle.current().pid()));
    ProcessHandle.current().descendants().forEach(p -> pids.add(p.pid()));
    assertTrue(pids.size() >= 3, "the test JVM and two executor JVMs: " + pids);
    List<String> listening = ListeningSockets.of(pids);
    assertTrue(listening.size() >= 4, listening.toString()); // driver, master, workers, executors
    for (String address : listening) {
      assertTrue(ListeningSockets.loopback(address), "listening on " + address + " (all: " + listening + ")");
    }
    for (String executor : scala.jdk.javaapi.CollectionConverters.asJava(spark.sparkContext().getExecutorMemoryStatus())
        .keySet()) {
      assertTrue(executor.startsWith("127.0.0.1:") || executor.startsWith("localhost:"), executor);
    }
  }

  /** Every column of every row as text, ordered by id and sample index. */
  private static List<String> sortedRows(Path output) {
    return spark.read().parquet(output.toString()).orderBy("id", "sample_index").collectAsList().stream()
        .map(Row::toString).toList();
  }

  private static void awaitExecutors(SparkSession spark, int n) throws InterruptedException {
    long deadline = System.nanoTime() + 180_000_000_000L; // generous: executor JVMs start slowly on a loaded 2-core machine
    while (spark.sparkContext().getExecutorMemoryStatus().size() < n + 1 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertTrue(spark.sparkContext().getExecutorMemoryStatus().size() >= n + 1, "executors did not register");
  }
}
