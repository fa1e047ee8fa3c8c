package dev.sparkgen.model.bench;

import dev.sparkgen.model.generate.search.TokenSelector;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.NativeOpCounter;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Generator;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.RandomWeights;
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

/**
 * The speed benchmark: hardware ceiling through DJL (GEMM GFLOP/s, memory bandwidth), model-only
 * greedy decode throughput through {@link Generator} for a GPT-2-small and a ~100M GQA Llama shape
 * (random weights written by {@link HfFolder#save}), utilisation of both ceilings, and per-step
 * cost of a tiny model (µs and native tensor creations). A program, not a test. From the
 * repository root:
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE MAVEN_OPTS=-Xmx6g mvn -o -q -pl model test-compile exec:java \
 *   -Dexec.classpathScope=test -Dexec.mainClass=dev.sparkgen.model.bench.SpeedBenchmark \
 *   -Dexec.args="--runs 3"
 * </pre>
 *
 * <p>Prints a markdown table and writes {@code bench-out/benchmark.json}. Options: {@code --runs N}
 * timed runs per figure (after one warm-up); {@code --batches 1,8,32}; {@code --prompt 32};
 * {@code --new 64} new tokens; {@code --threads 1} libtorch intra-op threads; {@code --models
 * gpt2,llama}; {@code --sections ceiling,models,tiny}; {@code --out PATH}; {@code --dir PATH} where
 * the random checkpoints live (reused if present). If {@code bench-out/jlama.json} exists (written
 * by the {@code bench-jlama} module), its tokens/s are joined into the table.
 */
public final class SpeedBenchmark {
  /** GPT-2 small: 124M parameters, vocab 50257. */
  static final ModelConfig GPT2 = new ModelConfig(ModelFamily.GPT2, 50257, 768, 12, 12, 12, 64, 3072, 1024,
      1e-5, 0, true, true, true, 50256, List.of(50256)).validate("benchmark gpt2");
  /** A Llama shape with GQA (12 query heads, 4 KV heads): 100M matmul parameters, untied head. */
  static final ModelConfig LLAMA = new ModelConfig(ModelFamily.LLAMA, 32000, 768, 12, 12, 4, 64, 2048, 1024,
      1e-5, 10000.0, false, false, false, 1, List.of(2)).validate("benchmark llama");
  /** The tiny shape whose step cost is op overhead: hidden 64, 2 layers. */
  static final ModelConfig TINY = new ModelConfig(ModelFamily.GPT2, 256, 64, 2, 4, 4, 16, 256, 256,
      1e-5, 0, true, true, true, 0, List.of(255)).validate("benchmark tiny");

  private SpeedBenchmark() {}

  public static void main(String[] args) throws IOException {
    Options o = Options.parse(args);
    DjlEnvironment.setThreads(o.threads);
    if (JniUtils.getNumThreads() != o.threads) {
      throw new IllegalStateException("libtorch runs " + JniUtils.getNumThreads() + " threads, not " + o.threads);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("date", Instant.now().toString());
    json.put("threads", o.threads);
    json.put("cpus", Runtime.getRuntime().availableProcessors());
    json.put("omp_wait_policy", String.valueOf(System.getenv("OMP_WAIT_POLICY")));
    json.put("runs", o.runs);
    json.put("prompt_tokens", o.prompt);
    json.put("new_tokens", o.newTokens);
    List<String> table = new ArrayList<>();

    Spread gemm = null;
    Spread readBw = null;
    if (o.sections.contains("ceiling")) {
      Map<String, Object> c = new LinkedHashMap<>();
      gemm = Spread.of(Ceiling.gemm(1024, 1024, 1024, o.runs, 0.5));
      c.put("gemm_1024_gflops", gemm);
      table.add(row("GEMM 1024x1024x1024 (fp32)", gemm.format("%.1f") + " GFLOP/s"));
      for (int[] s : new int[][] {{32, 768, 2304}, {32, 768, 3072}, {32, 3072, 768}, {32, 768, 50257}, {1, 768, 3072}}) {
        Spread g = Spread.of(Ceiling.gemm(s[0], s[1], s[2], o.runs, 0.3));
        String name = "gemm_" + s[0] + "x" + s[1] + "x" + s[2] + "_gflops";
        c.put(name, g);
        table.add(row("GEMM [" + s[0] + "x" + s[1] + "]·[" + s[1] + "x" + s[2] + "]", g.format("%.1f") + " GFLOP/s"));
      }
      readBw = Spread.of(Ceiling.gemvBandwidth(512, o.runs));
      Spread sumBw = Spread.of(Ceiling.readBandwidth(512, o.runs));
      Spread updateBw = Spread.of(Ceiling.updateBandwidth(512, o.runs));
      c.put("gemv_read_bandwidth_512mb_gbs", readBw);
      c.put("sum_read_bandwidth_512mb_gbs", sumBw);
      c.put("update_bandwidth_512mb_gbs", updateBw);
      table.add(row("weight-read bandwidth, GEMV over a 512 MB weight (the batch-1 bound)", readBw.format("%.1f") + " GB/s"));
      table.add(row("read bandwidth, 512 MB sum", sumBw.format("%.1f") + " GB/s"));
      table.add(row("read+write bandwidth, 512 MB x += 0", updateBw.format("%.1f") + " GB/s"));
      json.put("ceiling", c);
      printTable("Ceiling (" + o.threads + " thread)", "| measure | median (min–max) |", table);
      table.clear();
    }

    Map<String, Map<Integer, Peer>> jlama = readJlama(Path.of(o.jlama));
    if (o.sections.contains("models")) {
      List<Object> models = new ArrayList<>();
      for (String name : o.models) {
        ModelConfig config = name.equals("gpt2") ? GPT2 : LLAMA;
        Path dir = o.dir.resolve(name);
        ensureCheckpoint(config, dir);
        try (CausalLm lm = CausalLm.load(dir)) {
          ModelCost cost = ModelCost.of(config, o.prompt, o.newTokens);
          for (int batch : o.batches) {
            Decoded decoded = generate(lm, batch, o);
            Spread tps = Spread.of(decoded.tokensPerSecond());
            Spread gflops = tps.times(cost.flopsPerToken() / 1e9);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", name);
            r.put("parameters", config.parameterCount());
            r.put("matmul_parameters", cost.matmulParams());
            r.put("batch", batch);
            r.put("tokens_per_s", tps);
            r.put("flops_per_token", cost.flopsPerToken());
            r.put("achieved_gflops", gflops);
            String mfu = "";
            if (gemm != null) {
              Spread f = gflops.times(1 / gemm.median());
              r.put("gemm_ceiling_fraction", f);
              mfu = String.format("%.0f %%", 100 * f.median());
            }
            String shaped = "";
            if (gemm != null && batch > 1) {
              double ceiling = Ceiling.modelShapes(config, batch, o.runs);
              r.put("model_shape_gemm_gflops", ceiling);
              r.put("model_shape_ceiling_fraction", gflops.times(1 / ceiling));
              shaped = String.format("%.1f; %.0f %%", ceiling, 100 * gflops.median() / ceiling);
            }
            String bw = "";
            if (batch == 1) {
              Spread gbs = tps.times(cost.weightBytesPerStep() / 1e9);
              r.put("weight_gbs", gbs);
              bw = String.format("%.1f GB/s", gbs.median());
              if (readBw != null) {
                Spread f = gbs.times(1 / readBw.median());
                r.put("bandwidth_fraction", f);
                bw += String.format(" = %.0f %%", 100 * f.median());
              }
            }
            String peer = "";
            Peer j = jlama.getOrDefault(name, Map.of()).get(batch);
            if (j != null) {
              int same = 0;
              for (int b = 0; b < batch; b++) {
                same += Arrays.equals(decoded.tokens()[b], j.tokens()[b]) ? 1 : 0;
              }
              r.put("jlama_tokens_per_s", j.tokensPerSecond());
              r.put("ours_over_jlama", tps.median() / j.tokensPerSecond().median());
              r.put("rows_with_identical_tokens", same);
              peer = String.format("%s | %.2fx | %d/%d", j.tokensPerSecond().format("%.1f"),
                  tps.median() / j.tokensPerSecond().median(), same, batch);
            } else {
              peer = " | | ";
            }
            models.add(r);
            table.add(String.format("| %s | %d | %s | %s | %s | %s | %s | %s |", name, batch, tps.format("%.1f"),
                gflops.format("%.1f"), mfu, shaped, bw, peer));
            System.out.println(table.get(table.size() - 1));
          }
        }
      }
      json.put("models", models);
      printTable("Model-only greedy decode via Generator (" + o.prompt + "-token prompts, " + o.newTokens
              + " new tokens, " + o.threads + " thread, prefill included)",
          "| model | batch | tokens/s | GFLOP/s | of GEMM 1024³ | GEMM at the model's [batch x in]·[in x out] shapes, "
              + "achieved of it | batch-1 weight bandwidth, of GEMV bw "
              + "| Jlama tokens/s (one prompt at a time) | ours / Jlama | rows with identical tokens |",
          table);
      table.clear();
    }

    if (o.sections.contains("tiny")) {
      Map<String, Object> t = new LinkedHashMap<>();
      try (CausalLm lm = CausalLm.of(RandomWeights.create(TINY, 3))) {
        for (int batch : new int[] {1, 8}) {
          StepCost s = stepCost(lm, batch, o);
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("us_per_step", s.micros());
          r.put("tensors_created_per_step", s.tensorsPerStep());
          t.put("batch_" + batch, r);
          table.add(String.format("| tiny (d=64, 2 layers, V=256) | %d | %s | %.0f |", batch, s.micros().format("%.0f"),
              s.tensorsPerStep()));
        }
      }
      json.put("tiny", t);
      printTable("Per decode step, tiny model (DecodeBatch.step, host argmax outside the timing)",
          "| model | batch | µs per step | native tensors created per step |", table);
    }

    Path out = Path.of(o.out);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(json));
    System.out.println("\nwrote " + out.toAbsolutePath());
  }

  private record Decoded(double[] tokensPerSecond, int[][] tokens) {}

  /** New tokens per second of Generator.generate over {@code batch} prompts, one value per run, and the tokens. */
  private static Decoded generate(CausalLm lm, int batch, Options o) {
    SplittableRandom rnd = new SplittableRandom(batch);
    List<PromptInput> prompts = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      prompts.add(new PromptInput(b, rnd.ints(o.prompt, 0, lm.vocabSize()).toArray()));
    }
    // No eos: every row makes exactly newTokens tokens, so the work per run is fixed.
    GenerationConfig greedy = GenerationConfig.fromMap(Map.of("max_new_tokens", String.valueOf(o.newTokens)),
        GenerationConfig.defaults());
    Generator g = new Generator(lm, greedy, null);
    double[] out = new double[o.runs];
    int[][] ids = null;
    for (int run = -1; run < o.runs; run++) {
      long t0 = System.nanoTime();
      List<List<dev.sparkgen.model.generate.Sequence>> result = g.generate(prompts, batch);
      int tokens = result.stream().mapToInt(s -> s.get(0).tokenIds().length).sum();
      if (run >= 0) {
        out[run] = tokens / ((System.nanoTime() - t0) / 1e9);
      }
      ids = result.stream().map(s -> s.get(0).tokenIds()).toArray(int[][]::new);
    }
    return new Decoded(out, ids);
  }

  private record StepCost(Spread micros, double tensorsPerStep) {}

  /** µs per DecodeBatch.step (median over runs of the per-run median) and tensors created per step. */
  private static StepCost stepCost(CausalLm lm, int batch, Options o) {
    SplittableRandom rnd = new SplittableRandom(7);
    List<int[]> prompts = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      prompts.add(rnd.ints(o.prompt, 0, lm.vocabSize()).toArray());
    }
    int steps = 64;
    double[] perRun = new double[o.runs];
    double tensors = 0;
    for (int run = -3; run < o.runs; run++) {
      try (DecodeBatch db = lm.open(prompts, steps)) {
        float[][] logits = db.prefill();
        NativeOpCounter counter = NativeOpCounter.install(lm);
        double[] ts = new double[steps];
        for (int s = 0; s < steps; s++) {
          int[] next = argmax(logits);
          long t0 = System.nanoTime();
          logits = db.step(next);
          ts[s] = (System.nanoTime() - t0) / 1e3;
        }
        if (run >= 0) {
          perRun[run] = Spread.of(ts).median();
          tensors = (double) counter.count() / steps;
        }
      }
    }
    return new StepCost(Spread.of(perRun), tensors);
  }

  private static int[] argmax(float[][] logits) {
    return java.util.Arrays.stream(logits).mapToInt(TokenSelector::argmax).toArray();
  }

  /** Writes a random checkpoint of {@code config} to {@code dir} unless one is there, and its tokenizer. */
  static void ensureCheckpoint(ModelConfig config, Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve(HfFolder.WEIGHTS))) {
      long t0 = System.nanoTime();
      HfFolder.save(RandomWeights.create(config, 1), dir);
      System.out.printf("wrote random checkpoint %s in %.1f s%n", dir, (System.nanoTime() - t0) / 1e9);
    }
    BenchTokenizers.write(config, dir);
  }

  /** Jlama's figures for one model and batch: tokens/s and the greedy tokens per prompt. */
  private record Peer(Spread tokensPerSecond, int[][] tokens) {}

  /** Jlama's results per model and batch from the bench-jlama module's JSON, if present. */
  private static Map<String, Map<Integer, Peer>> readJlama(Path file) throws IOException {
    Map<String, Map<Integer, Peer>> out = new LinkedHashMap<>();
    if (!Files.isRegularFile(file)) {
      return out;
    }
    JsonObject root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    for (var e : root.getAsJsonArray("results")) {
      JsonObject r = e.getAsJsonObject();
      JsonObject t = r.getAsJsonObject("tokens_per_s");
      int[][] tokens = new com.google.gson.Gson().fromJson(r.get("tokens"), int[][].class);
      out.computeIfAbsent(r.get("model").getAsString(), k -> new LinkedHashMap<>()).put(r.get("batch").getAsInt(),
          new Peer(new Spread(t.get("median").getAsDouble(), t.get("min").getAsDouble(), t.get("max").getAsDouble()),
              tokens));
    }
    return out;
  }

  private static String row(String what, String value) {
    return "| " + what + " | " + value + " |";
  }

  private static void printTable(String title, String header, List<String> rows) {
    System.out.println("\n" + title);
    System.out.println(header);
    System.out.println(header.replaceAll("[^|]+", " --- "));
    rows.forEach(System.out::println);
  }

  /** Command-line options with their defaults. */
  private static final class Options {
    int runs = 3;
    int[] batches = {1, 8, 32};
    int prompt = 32;
    int newTokens = 64;
    int threads = 1;
    List<String> models = List.of("gpt2", "llama");
    List<String> sections = List.of("ceiling", "models", "tiny");
    String out = "bench-out/benchmark.json";
    String jlama = "bench-out/jlama.json";
    Path dir = Path.of("bench-out/models");

    static Options parse(String[] args) {
      Options o = new Options();
      BenchArgs.forEach(args, (name, v) -> {
        switch (name) {
          case "--runs" -> o.runs = Integer.parseInt(v);
          case "--batches" -> o.batches = Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
          case "--prompt" -> o.prompt = Integer.parseInt(v);
          case "--new" -> o.newTokens = Integer.parseInt(v);
          case "--threads" -> o.threads = Integer.parseInt(v);
          case "--models" -> o.models = List.of(v.split(","));
          case "--sections" -> o.sections = List.of(v.split(","));
          case "--out" -> o.out = v;
          case "--jlama" -> o.jlama = v;
          case "--dir" -> o.dir = Path.of(v);
          default -> throw new IllegalArgumentException("unknown option " + name + " (known: --runs, --batches, "
              + "--prompt, --new, --threads, --models, --sections, --out, --jlama, --dir)");
        }
      });
      return o;
    }
  }
}
