package dev.sparkgen.job.bench;

import com.google.gson.GsonBuilder;
import dev.sparkgen.job.GenerationRun;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.exec.OutputColumns;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Generator;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.RandomWeights;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Issue 14's realistic workload through the Spark job end to end: continuous vs static
 * scheduling, and shared-prefix reuse on vs off (on the whole workload and on its prefix half
 * alone). A program, not a test. From the repository root:
 *
 * <pre>{@code
 * mvn -o -q -B -pl job -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/jobcp.txt -Dmdep.includeScope=test
 * OMP_WAIT_POLICY=PASSIVE java -Xmx10g $(sed -n 's|.*<spark.opens>\(.*\)</spark.opens>.*|\1|p' pom.xml) \
 *   -cp job/target/test-classes:job/target/classes:$(cat /tmp/jobcp.txt) \
 *   dev.sparkgen.job.bench.WorkloadBenchmark --runs 1
 * }</pre>
 *
 * <p>The workload: {@code --prompts 512} prompts of random token ids, half of them (even ids) a
 * shared {@code --prefix 64}-token prefix plus 1 to 32 tokens of their own (65 to 96 tokens), the
 * other half 8 to 96 tokens ({@code --min}, {@code --max}); sampling with temperature 0.8 and
 * top-p 0.95, at most {@code --new 128} new tokens, each row ending at its end-of-sequence token.
 * The model: GPT-2 small's shape with random weights ({@code RandomWeights.create(config, 1)},
 * written to {@code --model bench-out/models/gpt2} on first use, the speed benchmark's checkpoint).
 *
 * <p>Random weights have no end-of-sequence token, so one is chosen by measurement unless given
 * ({@code --eos ID}): {@code --calibrate 32} other prompts of the same kind are sampled with the
 * same settings and no eos, up to the new-token limit, and for every id the per-step hazard is
 * estimated, rows in which it appears / steps until its first appearance (or the limit) summed
 * over rows; the id with the highest hazard (the token the model emits soonest) is eos. Its
 * hazard, the mean length it implies and the lengths it gives the workload are printed.
 *
 * <p>{@code --shape gpt2} (the default) or {@code --shape qwen2.5-0.5b}: Qwen2.5-0.5B's shape
 * ({@link RealSizeBenchmark#CONFIGS}), random weights stored BF16 by its writer in {@code
 * bench-out/models/qwen2.5-0.5b} on first use ({@code --model} names another folder).
 *
 * <p>Spark: {@code local[2]} (2 task slots, 1 libtorch thread each), {@code --partitions 2},
 * {@code weights_distribution=files}, {@code --batch 32} rows for both schedulers; the action
 * collects every row's id and tokens (so the runs are checked to agree token for token; each run's
 * tokens are also written beside {@code --out} as {@code workload-tokens-<shape>-<run>.json}, to
 * compare runs of separate invocations). {@code --sections} picks the runs, in this order:
 * {@code continuous} (prefix reuse on), {@code static}, {@code reuse-off} (continuous with reuse
 * off; {@code schedulers} = these three), {@code prefix} (the prefix half alone with reuse on and
 * off), or {@code none} (the eos calibration only); each {@code --runs} times after one warm-up.
 * Every run prints its wall time, the JVM's CPU time (driver and local executors: other jobs on a
 * shared machine change wall time much more) and the load average (from {@code /proc/loadavg})
 * before and after. Writes {@code --out bench-out/workload.json}.
 */
public final class WorkloadBenchmark {
  /** GPT-2 small: 124M parameters, vocab 50257 (as SpeedBenchmark). */
  static final ModelConfig GPT2 = new ModelConfig(ModelFamily.GPT2, 50257, 768, 12, 12, 12, 64, 3072, 1024,
      1e-5, 0, true, true, true, 50256, List.of(50256)).validate("benchmark gpt2");

  private WorkloadBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new LinkedHashMap<>(Map.of("--model", "", "--prompts", "512",
        "--prefix", "64", "--min", "8", "--max", "96", "--new", "128", "--batch", "32", "--runs", "1",
        "--out", "bench-out/workload.json"));
    o.putAll(Map.of("--eos", "", "--calibrate", "32", "--partitions", "2", "--sections", "schedulers,prefix",
        "--shape", "gpt2"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!o.containsKey(args[i])) {
        throw new IllegalArgumentException("unknown option " + args[i] + " (known: " + o.keySet() + ")");
      }
      o.put(args[i], args[i + 1]);
    }
    String shape = o.get("--shape");
    if (!shape.equals("gpt2") && !RealSizeBenchmark.CONFIGS.containsKey(shape)) {
      throw new IllegalArgumentException("--shape " + shape + ": gpt2 or one of " + RealSizeBenchmark.CONFIGS.keySet());
    }
    Path model = Path.of(o.get("--model").isEmpty() ? "bench-out/models/" + shape : o.get("--model")).toAbsolutePath();
    if (!Files.isRegularFile(model.resolve(HfFolder.WEIGHTS))) {
      if (shape.equals("gpt2")) {
        HfFolder.save(RandomWeights.create(GPT2, 1), model);
      } else {
        RealSizeBenchmark.writeCheckpoint(RealSizeBenchmark.CONFIGS.get(shape), model); // BF16, as published
      }
    }
    ModelConfig modelConfig = HfFolder.readConfig(model);
    int n = Integer.parseInt(o.get("--prompts"));
    int newTokens = Integer.parseInt(o.get("--new"));
    int runs = Integer.parseInt(o.get("--runs"));
    List<String> sections = List.of(o.get("--sections").split(","));
    for (String section : sections) {
      if (!List.of("schedulers", "continuous", "static", "reuse-off", "prefix", "none").contains(section)) {
        throw new IllegalArgumentException("--sections: " + section
            + " is none of schedulers (= continuous,static,reuse-off), continuous, static, reuse-off, prefix, none");
      }
    }
    DjlEnvironment.setThreads(1); // local mode: executors share this JVM and its libtorch
    Map<String, String> sampling = Map.of("do_sample", "true", "temperature", "0.8", "top_p", "0.95",
        "max_new_tokens", String.valueOf(newTokens), "seed", "14");
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("date", Instant.now().toString());
    json.put("cpus", Runtime.getRuntime().availableProcessors());
    json.put("options", o);
    json.put("load_at_start", load());

    int vocab = modelConfig.vocabSize();
    int eos;
    if (o.get("--eos").isEmpty()) {
      int k = Integer.parseInt(o.get("--calibrate"));
      long t0 = System.nanoTime();
      Calibration c = calibrate(model, workload(k, o, vocab, -1, 99), sampling, newTokens);
      eos = c.id;
      System.out.printf("eos calibration (%d rows x %d tokens, %.0f s, load %s): id %d appears in %d rows, hazard %.4f"
          + " per step (a geometric mean length of %.0f); runner-up id %d, hazard %.4f%n", k, newTokens,
          (System.nanoTime() - t0) / 1e9, load(), c.id, c.rows, c.hazard, 1 / c.hazard, c.second, c.secondHazard);
      json.put("eos_calibration", Map.of("rows", k, "id", c.id, "rows_with_id", c.rows, "hazard", c.hazard,
          "runner_up", c.second, "runner_up_hazard", c.secondHazard));
    } else {
      eos = Integer.parseInt(o.get("--eos"));
    }
    json.put("eos_token_id", eos);
    List<int[]> prompts = workload(n, o, vocab, eos, 14);

    Map<String, String> base = new HashMap<>(sampling);
    base.putAll(Map.of("model", model.toString(), "eos_token_id", String.valueOf(eos), "batch_size", o.get("--batch"),
        "partitions", o.get("--partitions"), "weights_distribution", "files"));
    SparkSession session = SparkSession.builder().master("local[2]").appName("sparkgen-workload-bench")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    Map<String, Object> results = new LinkedHashMap<>();
    try {
      session.sparkContext().setLogLevel("WARN");
      Dataset<Row> all = input(session, prompts, false);
      Dataset<Row> prefixHalf = input(session, prompts, true);
      Map<Long, List<Integer>> reference = null;
      List<String[]> plan = new ArrayList<>();
      boolean schedulers = sections.contains("schedulers");
      if (schedulers || sections.contains("continuous")) {
        plan.add(new String[] {"all", "continuous", "32"});
      }
      if (schedulers || sections.contains("static")) {
        plan.add(new String[] {"all", "static", "32"});
      }
      if (schedulers || sections.contains("reuse-off")) {
        plan.add(new String[] {"all", "continuous", "0"});
      }
      if (sections.contains("prefix")) {
        plan.add(new String[] {"prefix half", "continuous", "32"});
        plan.add(new String[] {"prefix half", "continuous", "0"});
      }
      for (String[] p : plan) {
        Map<String, String> values = new HashMap<>(base);
        values.put("scheduler", p[1]);
        values.put("prefix_min_tokens", p[2]);
        String name = p[0] + ", " + p[1] + (p[1].equals("continuous") ? ", prefix reuse " + (p[2].equals("0") ? "off" : "on") : "");
        double[] seconds = new double[runs];
        double[] cpuSeconds = new double[runs];
        String[] loads = new String[runs];
        long tokens = 0;
        List<Integer> lengths = null;
        try (GenerationRun run = GenerationRun.prepare(session, JobConfig.of(values))) {
          tokens(run.apply(all.limit(4))); // warm-up: each executor builds its model once
          for (int r = 0; r < runs; r++) {
            String before = load();
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            Map<Long, List<Integer>> out = tokens(run.apply(p[0].equals("all") ? all : prefixHalf));
            seconds[r] = (System.nanoTime() - t0) / 1e9;
            cpuSeconds[r] = (processCpuNanos() - cpu0) / 1e9;
            lengths = out.values().stream().map(List::size).toList();
            if (r == 0) { // every row's tokens, to compare runs of separate invocations
              Path file = Path.of(o.get("--out")).toAbsolutePath().resolveSibling(
                  "workload-tokens-" + shape + "-" + name.replaceAll("[^a-z0-9]+", "-") + ".json");
              Files.writeString(file, new GsonBuilder().create().toJson(new java.util.TreeMap<>(out)));
            }
            tokens = lengths.stream().mapToLong(Integer::longValue).sum();
            if (p[0].equals("all")) {
              if (reference == null) {
                reference = out;
              } else if (!reference.equals(out)) {
                Map<Long, List<Integer>> first = reference;
                long differ = first.keySet().stream().filter(k -> !first.get(k).equals(out.get(k))).count();
                System.out.printf("  !! %d of %d rows differ from the first run's tokens%n", differ, out.size());
              }
            }
            loads[r] = before + " -> " + load();
            System.out.printf("%s, run %d: %d rows, %d tokens in %.1f s = %.1f tokens/s; JVM CPU %.1f s = %.1f tokens per"
                + " CPU second (load before %s, after %s)%n", name, r, out.size(), tokens, seconds[r],
                tokens / seconds[r], cpuSeconds[r], tokens / cpuSeconds[r], before, load());
          }
        }
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("seconds", seconds);
        res.put("cpu_seconds", cpuSeconds);
        res.put("load", loads);
        res.put("tokens", tokens);
        res.put("median_tokens_per_s", tokens / median(seconds));
        res.put("median_tokens_per_cpu_s", tokens / median(cpuSeconds));
        res.put("lengths", describeLengths(lengths, newTokens));
        results.put(name, res);
      }
    } finally {
      session.stop();
    }
    json.put("results", results);
    printTable(results);
    Path out = Path.of(o.get("--out"));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
        .toJson(json));
    System.out.println("wrote " + out.toAbsolutePath());
  }

  /**
   * {@code n} prompts: even indexes the shared prefix (seeded apart from the rest) plus 1 to
   * (max - prefix) tokens, odd ones min to max tokens; ids in [0, vocab - 1), never {@code eos}.
   */
  static List<int[]> workload(int n, Map<String, String> o, int vocab, int eos, long seed) {
    int prefixLength = Integer.parseInt(o.get("--prefix"));
    int min = Integer.parseInt(o.get("--min"));
    int max = Integer.parseInt(o.get("--max"));
    SplittableRandom prefixRandom = new SplittableRandom(64);
    int[] prefix = new int[prefixLength];
    for (int i = 0; i < prefixLength; i++) {
      prefix[i] = id(prefixRandom, vocab, eos);
    }
    SplittableRandom r = new SplittableRandom(seed);
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean shared = i % 2 == 0 && prefixLength > 0;
      int length = shared ? prefixLength + 1 + r.nextInt(Math.max(1, max - prefixLength)) : min + r.nextInt(max - min + 1);
      int[] ids = new int[length];
      for (int t = 0; t < length; t++) {
        ids[t] = shared && t < prefixLength ? prefix[t] : id(r, vocab, eos);
      }
      out.add(ids);
    }
    return out;
  }

  private static int id(SplittableRandom r, int vocab, int eos) {
    while (true) {
      int id = r.nextInt(vocab - 1); // never GPT-2's <|endoftext|> (the last id)
      if (id != eos) {
        return id;
      }
    }
  }

  /** The chosen eos id, its hazard and the runner-up. */
  record Calibration(int id, int rows, double hazard, int second, double secondHazard) {}

  /** Samples the calibration prompts without eos and picks the id with the highest per-step hazard. */
  static Calibration calibrate(Path model, List<int[]> prompts, Map<String, String> sampling, int newTokens) {
    Map<String, String> values = new HashMap<>(sampling);
    values.put("eos_token_id", "none");
    GenerationConfig config = GenerationConfig.fromMap(values, GenerationConfig.defaults());
    List<PromptInput> inputs = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      inputs.add(new PromptInput(1_000_000L + i, prompts.get(i)));
    }
    List<List<Sequence>> out;
    try (CausalLm lm = CausalLm.load(model)) {
      out = new Generator(lm, config, null).generate(inputs, 32);
    }
    Map<Integer, Integer> rows = new HashMap<>();
    Map<Integer, Long> exposure = new HashMap<>();
    long total = 0; // steps at risk of an id that never appears: every row's length
    for (List<Sequence> s : out) {
      int[] t = s.get(0).tokenIds();
      total += t.length;
      Map<Integer, Integer> first = new HashMap<>();
      for (int i = 0; i < t.length; i++) {
        first.putIfAbsent(t[i], i);
      }
      for (Map.Entry<Integer, Integer> e : first.entrySet()) {
        rows.merge(e.getKey(), 1, Integer::sum);
        exposure.merge(e.getKey(), (long) (e.getValue() + 1) - t.length, Long::sum); // steps until it, minus the row's
      }
    }
    int best = -1;
    int second = -1;
    double bestHazard = -1;
    double secondHazard = -1;
    for (Map.Entry<Integer, Integer> e : rows.entrySet()) {
      double hazard = e.getValue() / (double) (total + exposure.get(e.getKey()));
      if (hazard > bestHazard) {
        second = best;
        secondHazard = bestHazard;
        best = e.getKey();
        bestHazard = hazard;
      } else if (hazard > secondHazard) {
        second = e.getKey();
        secondHazard = hazard;
      }
    }
    return new Calibration(best, rows.get(best), bestHazard, second, secondHazard);
  }

  private static Dataset<Row> input(SparkSession session, List<int[]> prompts, boolean prefixHalfOnly) {
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("prompt_ids", DataTypes.createArrayType(DataTypes.IntegerType));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      if (!prefixHalfOnly || i % 2 == 0) {
        rows.add(RowFactory.create((long) i, scala.jdk.javaapi.CollectionConverters.asScala(
            Arrays.stream(prompts.get(i)).boxed().toList()).toSeq()));
      }
    }
    Dataset<Row> input = session.createDataFrame(rows, schema).cache();
    input.count();
    return input;
  }

  /** Runs the job; every row's generated tokens by id (collecting them is the action). */
  private static Map<Long, List<Integer>> tokens(Dataset<Row> out) throws IOException {
    Map<Long, List<Integer>> m = new HashMap<>();
    for (Row r : out.select("id", OutputColumns.GENERATED_TOKEN_IDS).collectAsList()) {
      m.put(r.getLong(0), r.getList(1));
    }
    return m;
  }

  private static Map<String, Object> describeLengths(List<Integer> lengths, int limit) {
    int[] s = lengths.stream().mapToInt(Integer::intValue).sorted().toArray();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mean", Arrays.stream(s).average().orElse(Double.NaN));
    m.put("median", s[s.length / 2]);
    m.put("p90", s[(int) (0.9 * (s.length - 1))]);
    m.put("min", s[0]);
    m.put("max", s[s.length - 1]);
    m.put("at_limit", Arrays.stream(s).filter(x -> x >= limit).count() / (double) s.length);
    return m;
  }

  @SuppressWarnings("unchecked")
  private static void printTable(Map<String, Object> results) {
    System.out.printf("%n| run | tokens | seconds | tokens/s | JVM CPU seconds | tokens per CPU second | load (1 min, before"
        + " -> after) | output lengths: mean, median, p90, at the limit |%n| --- | --- | --- | --- | --- | --- | --- | --- |%n");
    for (Map.Entry<String, Object> e : results.entrySet()) {
      Map<String, Object> r = (Map<String, Object>) e.getValue();
      Map<String, Object> l = (Map<String, Object>) r.get("lengths");
      System.out.printf("| %s | %d | %s | %.1f | %s | %.1f | %s | %.1f, %d, %d, %.0f %% |%n", e.getKey(),
          (long) r.get("tokens"), Arrays.toString((double[]) r.get("seconds")), (double) r.get("median_tokens_per_s"),
          Arrays.toString((double[]) r.get("cpu_seconds")), (double) r.get("median_tokens_per_cpu_s"),
          String.join("; ", (String[]) r.get("load")), (double) l.get("mean"), (int) l.get("median"), (int) l.get("p90"),
          100 * (double) l.get("at_limit"));
    }
    ratio(results, "continuous / static", "all, continuous, prefix reuse on", "all, static");
    ratio(results, "prefix reuse on / off, whole workload", "all, continuous, prefix reuse on",
        "all, continuous, prefix reuse off");
    ratio(results, "prefix reuse on / off, prefix half", "prefix half, continuous, prefix reuse on",
        "prefix half, continuous, prefix reuse off");
  }

  /** Prints a / b by wall time and by CPU time when both runs are in {@code results}. */
  @SuppressWarnings("unchecked")
  private static void ratio(Map<String, Object> results, String what, String a, String b) {
    Map<String, Object> x = (Map<String, Object>) results.get(a);
    Map<String, Object> y = (Map<String, Object>) results.get(b);
    if (x != null && y != null) {
      System.out.printf("%s: %.2fx by wall time, %.2fx by CPU time%n", what,
          (double) x.get("median_tokens_per_s") / (double) y.get("median_tokens_per_s"),
          (double) x.get("median_tokens_per_cpu_s") / (double) y.get("median_tokens_per_cpu_s"));
    }
  }

  /** CPU time of this JVM (driver and local executors), every thread, in nanoseconds. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** The 1-minute load average, or "?" where /proc/loadavg cannot be read. */
  static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return String.valueOf(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }
}
