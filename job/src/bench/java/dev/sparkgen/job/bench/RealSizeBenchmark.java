package dev.sparkgen.job.bench;

import com.google.gson.GsonBuilder;
import dev.sparkgen.job.GenerationRun;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.weights.DType;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.SafetensorsWriter;
import dev.sparkgen.model.weights.WeightSource;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Real model sizes through the job (issue 12): random checkpoints of the shapes of Qwen2.5-0.5B and
 * Llama-3.2-1B, written by sparkgen's own writer and stored BF16 as published, generated through
 * {@link GenerationRun} on a {@code local-cluster} with one separate executor JVM of one task slot
 * (1 libtorch thread). Prints, per model and weights_distribution: the driver's load time (config,
 * weights checked, sha256 or broadcast payload), the executor's (first task minus a later task of
 * the same work), peak resident memory of the executor JVM (VmHWM) against the float32 weight size
 * and the KV cache used, and generated tokens/s at batch 1 and 16 (32-token prompts, 32 new tokens,
 * greedy, no eos, prefill included). A program, not a test. From the repository root:
 *
 * <pre>
 * mvn -o -q -B -pl job -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/jobcp.txt -Dmdep.includeScope=test
 * W=$PWD; OMP_WAIT_POLICY=PASSIVE java -Xmx10g $(sed -n 's|.*&lt;spark.opens&gt;\(.*\)&lt;/spark.opens&gt;.*|\1|p' pom.xml) \
 *   -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Dai.djl.default_engine=PyTorch \
 *   -cp $W/job/target/test-classes:$W/job/target/classes:$W/model/target/classes:$(cat /tmp/jobcp.txt) \
 *   dev.sparkgen.job.bench.RealSizeBenchmark --models qwen2.5-0.5b,llama-3.2-1b --distribution file_server
 * </pre>
 *
 * <p>The classpath must hold absolute paths (the executor JVM loads the job's classes from it);
 * broadcast keeps the serialised chunks on the driver (a 4 GB driver heap runs the 0.5B shape).
 *
 * <p>Options: {@code --models}, {@code --distribution file_server,broadcast} (or files), {@code --executor-memory 3g}
 * (JVM heap of the executor), {@code --executor-java-options "..."} (more executor JVM flags, e.g.
 * {@code -XX:NativeMemoryTracking=summary} or a GC log), {@code --dir bench-out/models},
 * {@code --out bench-out/real-size.json}.
 * The checkpoints (1.0 and 2.5 GB) are written on first use and reused.
 */
public final class RealSizeBenchmark {
  static final int PROMPT = 32;
  static final int NEW = 32;

  private RealSizeBenchmark() {}

  /** config.json text of each shape, in its family's Hugging Face dialect. */
  static final Map<String, String> CONFIGS = Map.of(
      "qwen2.5-0.5b", """
          {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu", "hidden_size": 896,
           "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 21,
           "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
           "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
           "use_sliding_window": false, "vocab_size": 151936, "bos_token_id": 151643, "eos_token_id": 151643}""",
      "llama-3.2-1b", """
          {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu", "hidden_size": 2048,
           "intermediate_size": 8192, "max_position_embeddings": 131072, "num_attention_heads": 32,
           "num_hidden_layers": 16, "num_key_value_heads": 8, "head_dim": 64, "rms_norm_eps": 1e-05,
           "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                            "original_max_position_embeddings": 8192, "rope_type": "llama3"},
           "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 128256,
           "bos_token_id": 128000, "eos_token_id": 128001}""");

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new LinkedHashMap<>(Map.of("--models", "qwen2.5-0.5b,llama-3.2-1b", "--distribution",
        "file_server,broadcast", "--executor-memory", "3g", "--executor-java-options", "", "--dir", "bench-out/models", "--out",
        "bench-out/real-size.json"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!o.containsKey(args[i])) {
        throw new IllegalArgumentException("unknown option " + args[i] + " (known: " + o.keySet() + ")");
      }
      o.put(args[i], args[i + 1]);
    }
    Path home = Files.createTempDirectory("sparkgen-bench-home");
    Files.createDirectories(home.resolve("jars"));
    System.setProperty("spark.testing", "1"); // local-cluster without a Spark build (see LocalClusterTest)
    System.setProperty("spark.test.home", home.toString());
    List<Map<String, Object>> results = new ArrayList<>();
    for (String name : o.get("--models").split(",")) {
      Path dir = Path.of(o.get("--dir")).resolve(name).toAbsolutePath();
      long t0 = System.nanoTime();
      if (!Files.isRegularFile(dir.resolve(HfFolder.WEIGHTS))) {
        writeCheckpoint(CONFIGS.get(name), dir);
        System.out.printf(Locale.ROOT, "wrote %s (%.2f GB BF16) in %.1f s%n", dir, Files.size(dir.resolve(HfFolder.WEIGHTS)) / 1e9,
            (System.nanoTime() - t0) / 1e9);
      }
      for (String distribution : o.get("--distribution").split(",")) {
        results.add(run(name, dir, distribution, o.get("--executor-memory"), o.get("--executor-java-options")));
        Files.createDirectories(Path.of(o.get("--out")).toAbsolutePath().getParent());
        Files.writeString(Path.of(o.get("--out")), new GsonBuilder().setPrettyPrinting().create().toJson(results));
      }
    }
    System.out.println();
    System.out.println("| model | weights_distribution | driver load s | executor load s | executor peak RSS GB | float32 weights GB"
        + " | KV cache used GB (batch 16) | peak - weights - KV GB | tokens/s batch 1 | tokens/s batch 16 |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (Map<String, Object> r : results) {
      System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.2f | %.2f | %.3f | %.2f | %.2f | %.2f |%n", r.get("model"),
          r.get("distribution"), r.get("driver_load_s"), r.get("executor_load_s"), r.get("executor_peak_rss_gb"),
          r.get("f32_weights_gb"), r.get("kv_cache_gb"), (double) r.get("executor_peak_rss_gb")
              - (double) r.get("f32_weights_gb") - (double) r.get("kv_cache_gb"),
          r.get("tokens_per_s_batch1"), r.get("tokens_per_s_batch16"));
    }
    System.out.println("wrote " + o.get("--out"));
  }

  private static Map<String, Object> run(String name, Path dir, String distribution, String executorMemory,
      String executorJavaOptions) throws Exception {
    SparkSession spark = SparkSession.builder().master("local-cluster[1,1,16384]").appName("sparkgen-real-size")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
        .config("spark.executor.memory", executorMemory)
        .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
        .config("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE")
        .config("spark.executor.extraJavaOptions", (DjlEnvironment.javaOptions() + " " + executorJavaOptions).trim())
        .getOrCreate();
    try {
      String appId = spark.sparkContext().applicationId();
      while (spark.sparkContext().getExecutorMemoryStatus().size() < 2) { // the driver plus one executor
        Thread.sleep(200);
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("model", name);
      r.put("distribution", distribution);
      SplittableRandom rnd = new SplittableRandom(7);
      long t0 = System.nanoTime();
      JobConfig b1 = settings(dir, distribution, 1);
      try (ResolvedModel model = ResolvedModel.resolve(b1); GenerationRun run1 = GenerationRun.prepare(spark, b1, model)) {
        double driverLoad = (System.nanoTime() - t0) / 1e9;
        ModelConfig c = model.checkpoint().config();
        int vocab = c.vocabSize();
        Dataset<Row> one = prompts(spark, rnd, vocab, 1);
        double first = time(() -> run1.apply(one).collectAsList()); // builds the executor's model
        r.put("executor_rss_after_load_gb", executorRss(appId)[1]);
        r.put("executor_peak_rss_after_load_gb", executorRss(appId)[0]);
        Dataset<Row> two = prompts(spark, rnd, vocab, 2);
        double batch1 = time(() -> run1.apply(two).collectAsList());
        JobConfig b16 = settings(dir, distribution, 16);
        double batch16;
        try (GenerationRun run16 = GenerationRun.prepare(spark, b16, model)) {
          Dataset<Row> sixteen = prompts(spark, rnd, vocab, 16);
          batch16 = time(() -> run16.apply(sixteen).collectAsList());
        }
        double[] rss = executorRss(appId);
        long params = c.parameterCount();
        long kv = 2L * c.numLayers() * 16 * c.numKvHeads() * (PROMPT + NEW) * c.headDim() * Float.BYTES;
        r.put("parameters", params);
        r.put("driver_load_s", driverLoad);
        r.put("executor_load_s", first - batch1 / 2);
        r.put("executor_peak_rss_gb", rss[0]);
        r.put("executor_rss_after_gb", rss[1]);
        r.put("f32_weights_gb", params * 4 / 1e9);
        r.put("kv_cache_gb", kv / 1e9);
        r.put("tokens_per_s_batch1", 2.0 * NEW / batch1);
        r.put("tokens_per_s_batch16", 16.0 * NEW / batch16);
        r.put("executor_memory", executorMemory);
        r.put("executor_java_options", executorJavaOptions);
        r.put("load_average_at_end", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.println(r);
      }
      return r;
    } finally {
      spark.stop();
    }
  }

  private static JobConfig settings(Path dir, String distribution, int batch) {
    return JobConfig.of(Map.of("model", dir.toString(), "weights_distribution", distribution, "batch_size",
        Integer.toString(batch), "partitions", "1", "max_new_tokens", Integer.toString(NEW), "eos_token_id", "none",
        "max_batch_memory", "4096t")); // the job's worst-case estimate assumes prompts that fill the context
  }

  private static Dataset<Row> prompts(SparkSession spark, SplittableRandom rnd, int vocab, int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(RowFactory.create((long) i, rnd.ints(PROMPT, 0, vocab).toArray()));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType)
        .add("prompt_ids", DataTypes.createArrayType(DataTypes.IntegerType));
    return spark.createDataFrame(rows, schema);
  }

  private interface Action {
    void run() throws Exception;
  }

  private static double time(Action a) throws Exception {
    long t0 = System.nanoTime();
    a.run();
    return (System.nanoTime() - t0) / 1e9;
  }

  /** VmHWM (peak) and VmRSS in GB of this application's executor JVM, from /proc. */
  private static double[] executorRss(String appId) throws IOException {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
          if (cmd.contains("CoarseGrainedExecutorBackend") && cmd.contains(appId)) {
            double hwm = 0;
            double rss = 0;
            for (String line : Files.readAllLines(p.resolve("status"))) {
              if (line.startsWith("VmHWM:")) {
                hwm = kb(line) / 1e6 * 1.024;
              } else if (line.startsWith("VmRSS:")) {
                rss = kb(line) / 1e6 * 1.024;
              }
            }
            return new double[] {hwm, rss};
          }
        } catch (IOException gone) {
          // a process that ended while listing
        }
      }
    }
    throw new IllegalStateException("no executor JVM of " + appId + " found in /proc");
  }

  private static double kb(String statusLine) {
    return Double.parseDouble(statusLine.replaceAll("[^0-9]", ""));
  }

  /**
   * Writes config.json and a BF16 model.safetensors of random weights (uniform with std 0.02 for
   * matrices, 1 for norms), generated piece by piece so that no tensor is held whole in memory.
   */
  static void writeCheckpoint(String configJson, Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(HfFolder.CONFIG), configJson);
    ModelConfig c = HfFolder.readConfig(dir);
    Map<String, WeightSource> tensors = new LinkedHashMap<>();
    c.family().tensorShapes(c).forEach((n, shape) -> tensors.put(c.family().fileName(n), random(n, shape)));
    Path tmp = dir.resolve(HfFolder.WEIGHTS + ".tmp");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
      SafetensorsWriter.write(tensors, out, DType.BF16);
    }
    Files.move(tmp, dir.resolve(HfFolder.WEIGHTS));
  }

  private static WeightSource random(String name, long[] shape) {
    boolean norm = shape.length == 1 && name.endsWith("norm.weight");
    return new WeightSource() {
      @Override
      public long[] shape() {
        return shape.clone();
      }

      @Override
      public void read(long from, int count, FloatBuffer dst) {
        SplittableRandom r = new SplittableRandom(name.hashCode() * 31L + from);
        double half = 0.02 * Math.sqrt(3); // uniform(-a, a) has std a / sqrt(3)
        for (int i = 0; i < count; i++) {
          dst.put(norm ? 1f : (float) ((r.nextDouble() * 2 - 1) * half));
        }
      }
    };
  }
}
