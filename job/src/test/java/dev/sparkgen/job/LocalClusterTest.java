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
 * with the model's files fetched from the driver's file server (the default), read from a folder
 * both executors see, and broadcast; a model file changed on the driver after it was served is
 * refused by the executors, naming it; then an executor JVM halted mid-job (fault=kill_executor) is
 * replaced (its replacement fetches the files again) and the output equals a clean run's. One
 * cluster for all (about 20-40 s to start); the executor is killed last.
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
    assertEquals(JobConfig.WeightsDistribution.FILE_SERVER, cfg.weightsDistribution()); // the default
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

    // Random models (vocab 20) saved by the driver: one read from that folder (both executors run on
    // this machine), one served from it (another seed: the executors' model cache is keyed by sha256).
    Dataset<Row> ids = spark.read().json(input.toString()).selectExpr("id", "transform(prompt_ids, x -> x % 20) AS prompt_ids");
    for (String distribution : List.of("files", "file_server")) {
      JobConfig files = TestSpark.settings("model", "random", "weights_distribution", distribution, "max_new_tokens", "4",
          "seed", distribution.equals("files") ? "9" : "10", "partitions", "4");
      assertRandomModelRowsMatchLocalMode(files, ids, prompts);
    }
  }

  private static void assertRandomModelRowsMatchLocalMode(JobConfig files, Dataset<Row> ids, int[][] prompts) {
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
   * to the master), while the driver keeps every chunk's pieces for executors that start later. A
   * random model no other test here ships, so that the executors really fetch it (their model cache
   * is keyed by sha256).
   */
  @Test
  @Order(2)
  void broadcastChunksLeaveNoCopyOnTheExecutorsAndTheDriverKeepsThePieces() throws Exception {
    Path input = tmp.resolve("prompts.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      lines.add("{\"id\": " + i + ", \"prompt_ids\": [" + (i * 11 % 20) + ", " + (i * 5 % 20) + "]}");
    }
    Files.write(input, lines);
    JobConfig cfg = TestSpark.settings("model", "random", "max_new_tokens", "3", "seed", "31", "partitions", "4",
        "weights_distribution", "broadcast");
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

  /**
   * weights_distribution=file_server: executors check each fetched file against the sha256 the driver
   * recorded when it served it, so a model file changed on the driver after that fails the run,
   * naming the file, instead of building another model under the served model's identity.
   */
  @Test
  @Order(3)
  void aModelFileChangedOnTheDriverAfterItWasServedIsRefusedByTheExecutorsNamingIt() throws Exception {
    Path folder = tmp.resolve("model");
    Files.createDirectories(folder);
    for (Path f : dev.sparkgen.model.weights.HfFolder.files(TestSpark.GPT2_TINY)) {
      Files.copy(f, folder.resolve(f.getFileName()));
    }
    Path weights = folder.resolve("model.safetensors");
    setLastByte(weights, (byte) 0x3d); // (was 0x3e) a model no executor has built yet (the cache is keyed by sha256)
    JobConfig cfg = TestSpark.settings("model", folder.toString(), "max_new_tokens", "2", "partitions", "2");
    Dataset<Row> prompts = spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create(1L, new int[] {3, 4})),
        new org.apache.spark.sql.types.StructType().add("id", "long").add("prompt_ids", "array<int>"));
    try (ResolvedModel model = ResolvedModel.resolve(cfg); GenerationRun run = GenerationRun.prepare(spark, cfg, model)) {
      setLastByte(weights, (byte) 0x3c); // the same size, one byte different
      Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> run.apply(prompts).collectAsList());
      String message = String.valueOf(e.getMessage());
      assertTrue(message.contains("model file model.safetensors (" + weights + " on the driver"), message);
      assertTrue(message.contains("the file changed on the driver after the model was shipped"), message);
    }
  }

  private static void setLastByte(Path file, byte b) throws java.io.IOException {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {b}), ch.size() - 1);
    }
  }

  @Test
  @Order(4)
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
