package dev.sparkgen.job.bench;

import com.google.gson.GsonBuilder;
import dev.sparkgen.job.GenerationRun;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.exec.OutputColumns;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Generator;
import dev.sparkgen.model.generate.PromptInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The Spark job end to end on local Spark against the model alone with the same thread budget:
 * N prompts of random ids through {@link GenerationRun} on {@code local[2]} (2 task slots, 1
 * libtorch thread each, 2 partitions), versus the same prompts split over 2 Java threads each
 * running {@link Generator} on one shared {@link CausalLm} (1 libtorch thread each). Greedy, no
 * eos, so every row generates exactly the requested tokens. A program, not a test. From the
 * repository root, after the model benchmark wrote its checkpoint to bench-out/models/gpt2:
 *
 * <pre>{@code
 * mvn -o -q -B -pl job -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/jobcp.txt -Dmdep.includeScope=test
 * OMP_WAIT_POLICY=PASSIVE java -Xmx8g $(sed -n 's|.*<spark.opens>\(.*\)</spark.opens>.*|\1|p' pom.xml) \
 *   -cp job/target/test-classes:job/target/classes:$(cat /tmp/jobcp.txt) \
 *   dev.sparkgen.job.bench.SparkBenchmark --model bench-out/models/gpt2
 * }</pre>
 *
 * <p>Options: {@code --prompts 512}, {@code --prompt 32} tokens, {@code --new 16} new tokens,
 * {@code --batch 32}, {@code --runs 2}, {@code --out bench-out/spark.json}; {@code --sample true}
 * samples with the demo's settings (temperature 0.8, top_k 50, top_p 0.95) instead of greedy;
 * {@code --slots 2} task slots ({@code local[N]}, N partitions); {@code --model-only false} skips
 * the model-only comparison. Besides wall-clock tokens/s, each Spark run reports tokens per
 * second of the JVM's CPU time (all its threads: Spark's own work included), which other jobs on
 * a shared machine disturb less; the load average is printed with each run.
 */
public final class SparkBenchmark {
  private SparkBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new LinkedHashMap<>(Map.of("--model", "bench-out/models/gpt2", "--prompts", "512",
        "--prompt", "32", "--new", "16", "--batch", "32", "--runs", "2", "--out", "bench-out/spark.json"));
    o.putAll(Map.of("--sample", "false", "--slots", "2", "--model-only", "true"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!o.containsKey(args[i])) {
        throw new IllegalArgumentException("unknown option " + args[i] + " (known: " + o.keySet() + ")");
      }
      o.put(args[i], args[i + 1]);
    }
    Path model = Path.of(o.get("--model")).toAbsolutePath();
    int n = Integer.parseInt(o.get("--prompts"));
    int promptLen = Integer.parseInt(o.get("--prompt"));
    int newTokens = Integer.parseInt(o.get("--new"));
    int batch = Integer.parseInt(o.get("--batch"));
    int runs = Integer.parseInt(o.get("--runs"));
    boolean sample = Boolean.parseBoolean(o.get("--sample"));
    int slots = Integer.parseInt(o.get("--slots"));
    Map<String, String> generation = new LinkedHashMap<>(Map.of("max_new_tokens", String.valueOf(newTokens),
        "eos_token_id", "none"));
    if (sample) {
      generation.putAll(Map.of("do_sample", "true", "temperature", "0.8", "top_k", "50", "top_p", "0.95"));
    }
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    DjlEnvironment.setThreads(1); // local mode: executors share this JVM and its libtorch

    List<int[]> prompts = new ArrayList<>();
    try (CausalLm probe = CausalLm.load(model)) {
      SplittableRandom rnd = new SplittableRandom(11);
      for (int i = 0; i < n; i++) {
        prompts.add(rnd.ints(promptLen, 0, probe.vocabSize()).toArray());
      }
    }

    double[] spark = new double[runs];
    double[] sparkCpu = new double[runs];
    SparkSession session = SparkSession.builder().master("local[" + slots + "]").appName("sparkgen-bench")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", String.valueOf(slots)).getOrCreate();
    try {
      session.sparkContext().setLogLevel("WARN");
      StructType schema = new StructType().add("id", DataTypes.LongType)
          .add("prompt_ids", DataTypes.createArrayType(DataTypes.IntegerType));
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        rows.add(RowFactory.create((long) i, scala.jdk.javaapi.CollectionConverters.asScala(
            Arrays.stream(prompts.get(i)).boxed().toList()).toSeq()));
      }
      Dataset<Row> input = session.createDataFrame(rows, schema).cache();
      input.count();
      Map<String, String> keys = new LinkedHashMap<>(generation);
      keys.putAll(Map.of("model", model.toString(), "batch_size", String.valueOf(batch), "partitions",
          String.valueOf(slots), "weights_distribution", "files"));
      JobConfig cfg = JobConfig.of(keys);
      try (GenerationRun run = GenerationRun.prepare(session, cfg)) {
        generated(run.apply(input.limit(4))); // warm-up: each executor builds its model once
        for (int r = 0; r < runs; r++) {
          long t0 = System.nanoTime();
          long c0 = os.getProcessCpuTime();
          long tokens = generated(run.apply(input));
          spark[r] = tokens / ((System.nanoTime() - t0) / 1e9);
          sparkCpu[r] = tokens / ((os.getProcessCpuTime() - c0) / 1e9);
          System.out.printf("spark run %d: %d tokens, %.1f tokens/s, %.1f per CPU second (load average %.1f)%n", r,
              tokens, spark[r], sparkCpu[r], os.getSystemLoadAverage());
        }
      }
    } finally {
      session.stop();
    }

    double[] alone = new double[runs];
    try (CausalLm lm = Boolean.parseBoolean(o.get("--model-only")) ? CausalLm.load(model) : null) {
      GenerationConfig greedy = GenerationConfig.fromMap(generation, GenerationConfig.defaults());
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (int r = lm == null ? runs : -1; r < runs; r++) {
          long t0 = System.nanoTime();
          List<Future<Integer>> halves = new ArrayList<>();
          for (int h = 0; h < 2; h++) {
            List<PromptInput> mine = new ArrayList<>();
            for (int i = h; i < (r < 0 ? 4 : n); i += 2) {
              mine.add(new PromptInput(i, prompts.get(i)));
            }
            halves.add(pool.submit(() -> new Generator(lm, greedy, null).generate(mine, batch).stream()
                .mapToInt(s -> s.get(0).tokenIds().length).sum()));
          }
          long tokens = 0;
          for (Future<Integer> f : halves) {
            tokens += f.get();
          }
          if (r >= 0) {
            alone[r] = tokens / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("model-only run %d: %d tokens, %.1f tokens/s%n", r, tokens, alone[r]);
          }
        }
      } finally {
        pool.shutdown();
      }
    }

    double s = median(spark);
    double a = median(alone);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("date", Instant.now().toString());
    json.put("model", model.getFileName().toString());
    json.put("prompts", n);
    json.put("prompt_tokens", promptLen);
    json.put("new_tokens", newTokens);
    json.put("batch_size", batch);
    json.put("slots", slots);
    json.put("sampling", sample ? generation : "greedy");
    json.put("spark_tokens_per_s", spread(spark));
    json.put("spark_tokens_per_cpu_s", spread(sparkCpu));
    if (alone[0] > 0) {
      json.put("model_only_tokens_per_s", spread(alone));
      json.put("spark_over_model_only", s / a);
    }
    Path out = Path.of(o.get("--out"));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, new GsonBuilder().setPrettyPrinting().create().toJson(json));
    System.out.printf("%n| setup (%d prompts x %d+%d tokens, %s, %d slots x 1 thread) | tokens/s median (min–max) |"
        + " tokens per CPU second |%n| --- | --- | --- |%n", n, promptLen, newTokens, sample ? "sampling" : "greedy", slots);
    System.out.printf("| Spark local[%d], GenerationRun | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) |%n", slots, s, min(spark),
        max(spark), median(sparkCpu), min(sparkCpu), max(sparkCpu));
    if (alone[0] > 0) {
      System.out.printf("| model only, 2 Java threads x Generator | %.1f (%.1f–%.1f) | |%n", a, min(alone), max(alone));
      System.out.printf("| Spark / model-only | %.2f | |%n", s / a);
    }
    System.out.printf("%nwrote %s%n", out.toAbsolutePath());
  }

  /** Runs the job and returns the number of generated tokens (the sum is the action). */
  private static long generated(Dataset<Row> out) throws IOException {
    Row r = out.selectExpr("sum(" + OutputColumns.NUM_GENERATED_TOKENS + ")").first();
    return r.isNullAt(0) ? 0 : r.getLong(0);
  }

  private static Map<String, Double> spread(double[] xs) {
    return Map.of("median", median(xs), "min", min(xs), "max", max(xs));
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(double[] xs) {
    return Arrays.stream(xs).min().orElse(Double.NaN);
  }

  private static double max(double[] xs) {
    return Arrays.stream(xs).max().orElse(Double.NaN);
  }
}
