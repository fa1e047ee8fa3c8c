package dev.sparkgen.model.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.GsonBuilder;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.generate.search.ChoosingCost;
import dev.sparkgen.model.generate.search.SeededUniforms;
import dev.sparkgen.model.generate.search.StopStrings;
import dev.sparkgen.model.generate.search.TokenSampling;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
 * Sampling on the host against sampling on the device, model only, on the GPT-2-small shape
 * (random fp32 weights, {@code bench-out/models/gpt2}, written on first use): one batch of
 * random 32-token prompts decoded by {@link TokenSampling} (its {@link TokenSampling#onHost()}
 * copy for the host path), no eos, so every row makes all its tokens; plain greedy (the batch's
 * own argmax, no [rows, V] copy) runs beside them as the floor. Runs of all modes interleave, one
 * warm-up each. Tokens/s = generated tokens / wall time of the run, prefill included; tokens per
 * CPU second divide by the decoding thread's CPU time instead (libtorch's one intra-op thread is
 * that thread), which other jobs on the shared VM disturb less; per step, what a mode's CPU time
 * adds to greedy's is its choosing cost. Then the choosing step alone ({@link ChoosingCost}): the
 * [batch, V] logits of one real decode step, chosen from on the host and on the device in
 * alternation. Then greedy decode steps alone ({@code stepGreedy}, after prefill) against their
 * matmuls run alone at the model's shapes ({@link StepMatmuls}), both in CPU time: the fraction
 * of the GEMM rate the step reaches. The load average is printed with every run. A program, not a test. From the
 * repository root:
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE MAVEN_OPTS=-Xmx6g mvn -o -q -pl model test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.sparkgen.model.bench.SamplingBenchmark -Dexec.args="--batches 32,64 --runs 3"
 * </pre>
 *
 * <p>Options: {@code --batches 32,64}; {@code --prompt 32}; {@code --new 32} new tokens;
 * {@code --runs 3}; {@code --sections decode,choose,gemm}; {@code --sharpen 1} (the choosing section
 * multiplies the step's logits by this: the random model's next-token distributions are nearly
 * flat, a trained model's are peaked, with a nucleus of tens to hundreds of tokens);
 * {@code --settings demo,top_p} (demo: temperature 0.8, top_k 50, top_p 0.95,
 * as conf/sparkgen.properties; top_p: temperature 0.8, top_p 0.95, top_k off, issue 14's workload);
 * {@code --dir bench-out/models}; {@code --out bench-out/sampling.json}.
 */
public final class SamplingBenchmark {
  private SamplingBenchmark() {}

  private static final Map<String, Map<String, String>> SETTINGS = Map.of(
      "demo", Map.of("do_sample", "true", "temperature", "0.8", "top_k", "50", "top_p", "0.95"),
      "top_p", Map.of("do_sample", "true", "temperature", "0.8", "top_k", "0", "top_p", "0.95"));

  public static void main(String[] args) throws IOException {
    int[] batches = {32, 64};
    int prompt = 32;
    int newTokens = 32;
    int[] runs = {3};
    List<String> settings = List.of("demo", "top_p");
    List<String> sections = List.of("decode", "choose", "gemm");
    float[] sharpen = {1f};
    Path dir = Path.of("bench-out/models");
    Path out = Path.of("bench-out/sampling.json");
    Map<String, String> o = new LinkedHashMap<>();
    BenchArgs.forEach(args, o::put);
    for (Map.Entry<String, String> e : o.entrySet()) {
      String v = e.getValue();
      switch (e.getKey()) {
        case "--batches" -> batches = Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        case "--prompt" -> prompt = Integer.parseInt(v);
        case "--new" -> newTokens = Integer.parseInt(v);
        case "--runs" -> runs[0] = Integer.parseInt(v);
        case "--settings" -> settings = List.of(v.split(","));
        case "--sections" -> sections = List.of(v.split(","));
        case "--sharpen" -> sharpen[0] = Float.parseFloat(v);
        case "--dir" -> dir = Path.of(v);
        case "--out" -> out = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + e.getKey()
            + " (known: --batches, --prompt, --new, --runs, --settings, --sections, --sharpen, --dir, --out)");
      }
    }
    DjlEnvironment.setThreads(1);
    if (JniUtils.getNumThreads() != 1) {
      throw new IllegalStateException("libtorch runs " + JniUtils.getNumThreads() + " threads, not 1");
    }
    Path gpt2 = dir.resolve("gpt2");
    SpeedBenchmark.ensureCheckpoint(SpeedBenchmark.GPT2, gpt2);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("date", Instant.now().toString());
    json.put("threads", 1);
    json.put("prompt_tokens", prompt);
    json.put("new_tokens", newTokens);
    json.put("runs", runs[0]);
    List<Object> results = new ArrayList<>();
    List<String> table = new ArrayList<>();
    try (CausalLm lm = CausalLm.load(gpt2)) {
      for (int batch : sections.contains("decode") ? batches : new int[0]) {
        SplittableRandom rnd = new SplittableRandom(batch);
        List<PromptInput> prompts = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
          prompts.add(new PromptInput(b, rnd.ints(prompt, 0, lm.vocabSize()).toArray()));
        }
        // Modes: greedy, then host and device per setting; runs interleave.
        List<String> modes = new ArrayList<>(List.of("greedy"));
        for (String s : settings) {
          modes.add(s + " host");
          modes.add(s + " device");
        }
        Map<String, double[]> tps = new LinkedHashMap<>();
        Map<String, double[]> cpuTps = new LinkedHashMap<>();
        Map<String, int[][]> tokens = new LinkedHashMap<>();
        modes.forEach(m -> tps.put(m, new double[runs[0]]));
        modes.forEach(m -> cpuTps.put(m, new double[runs[0]]));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int run = -1; run < runs[0]; run++) {
          for (String mode : modes) {
            TokenSampling sampling = sampling(mode, newTokens);
            double load = loadAverage();
            long t0 = System.nanoTime();
            long c0 = threads.getCurrentThreadCpuTime();
            List<List<Sequence>> result = sampling.run(lm, prompts);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpuSeconds = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
            int made = result.stream().mapToInt(s -> s.get(0).tokenIds().length).sum();
            tokens.put(mode, result.stream().map(s -> s.get(0).tokenIds()).toArray(int[][]::new));
            if (run >= 0) {
              tps.get(mode)[run] = made / seconds;
              cpuTps.get(mode)[run] = made / cpuSeconds;
            }
            System.out.printf("batch %d %-12s run %2d: %6.1f tokens/s, %6.1f per CPU second  (load average %.1f)%n",
                batch, mode, run, made / seconds, made / cpuSeconds, load);
          }
        }
        double greedyStepMs = 1000.0 * batch / Spread.of(cpuTps.get("greedy")).median();
        for (String mode : modes) {
          Spread t = Spread.of(tps.get(mode));
          Spread cpu = Spread.of(cpuTps.get(mode));
          double stepMs = 1000.0 * batch / cpu.median(); // CPU ms of the decoding thread per step
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("batch", batch);
          r.put("mode", mode);
          r.put("tokens_per_s", t);
          r.put("tokens_per_cpu_s", cpu);
          r.put("cpu_ms_per_step", stepMs);
          r.put("cpu_ms_per_step_over_greedy", stepMs - greedyStepMs);
          String vsHost = "";
          if (mode.endsWith("device")) {
            String host = mode.replace("device", "host");
            double[] ratio = new double[runs[0]];
            double[] cpuRatio = new double[runs[0]];
            for (int i = 0; i < ratio.length; i++) {
              ratio[i] = tps.get(mode)[i] / tps.get(host)[i];
              cpuRatio[i] = cpuTps.get(mode)[i] / cpuTps.get(host)[i];
            }
            int same = 0;
            for (int b = 0; b < batch; b++) {
              same += Arrays.equals(tokens.get(mode)[b], tokens.get(host)[b]) ? 1 : 0;
            }
            r.put("device_over_host_per_run", Spread.of(ratio));
            r.put("device_over_host_per_cpu_second", Spread.of(cpuRatio));
            r.put("rows_with_the_host_tokens", same);
            vsHost = String.format("%s | %s | %d/%d", Spread.of(ratio).format("%.2f"), Spread.of(cpuRatio).format("%.2f"),
                same, batch);
          }
          results.add(r);
          table.add(String.format("| %d | %s | %s | %s | %.0f | %.0f | %s |", batch, mode, t.format("%.1f"),
              cpu.format("%.1f"), stepMs, stepMs - greedyStepMs, vsHost.isEmpty() ? " | | " : vsHost));
        }
      }
    }
    json.put("results", results);
    // The choosing step alone: the [batch, V] logits of one real step, host and device alternating.
    List<String> costTable = new ArrayList<>();
    List<Object> costs = new ArrayList<>();
    try (CausalLm lm = CausalLm.load(gpt2)) {
      for (int batch : sections.contains("choose") ? batches : new int[0]) {
        SplittableRandom rnd = new SplittableRandom(batch);
        List<int[]> ids = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
          ids.add(rnd.ints(prompt, 0, lm.vocabSize()).toArray());
        }
        for (String setting : settings) {
          GenerationConfig config = GenerationConfig.fromMap(SETTINGS.get(setting), GenerationConfig.defaults());
          int reps = Math.max(5, 3 * runs[0]);
          int generated = newTokens / 2;
          double[][] ms;
          try (DecodeBatch db = lm.open(ids, 2)) {
            db.prefill();
            float factor = sharpen[0];
            ms = db.step(new int[batch], logits -> ChoosingCost.measure(factor == 1f ? logits : logits.mul(factor), config,
                generated, reps));
          }
          Spread host = Spread.of(ms[0]);
          Spread device = Spread.of(ms[1]);
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("batch", batch);
          r.put("setting", setting);
          r.put("logits_times", sharpen[0]);
          r.put("host_cpu_ms", host);
          r.put("device_cpu_ms", device);
          r.put("load_average", loadAverage());
          costs.add(r);
          costTable.add(String.format("| %d | %s | %s | %s | %.2f | %.1f |", batch, setting, host.format("%.1f"),
              device.format("%.1f"), host.median() / device.median(), loadAverage()));
          System.out.println(costTable.get(costTable.size() - 1));
        }
      }
    }
    json.put("choosing_cost", costs);
    // Greedy decode steps alone at each batch: CPU time per stepGreedy against the CPU time of the
    // step's matmuls at the model's own shapes, each run alone at its own rate.
    List<String> gemmTable = new ArrayList<>();
    List<Object> gemm = new ArrayList<>();
    try (CausalLm lm = CausalLm.load(gpt2)) {
      for (int batch : sections.contains("gemm") ? batches : new int[0]) {
        SplittableRandom rnd = new SplittableRandom(batch);
        List<int[]> ids = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
          ids.add(rnd.ints(prompt, 0, lm.vocabSize()).toArray());
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] stepMs = new double[runs[0]];
        double[] matmulMs = new double[runs[0]];
        for (int run = -1; run < runs[0]; run++) {
          double step;
          try (DecodeBatch db = lm.open(ids, newTokens)) {
            float[][] logits = db.prefill();
            int[] next = new int[batch];
            for (int b = 0; b < batch; b++) {
              next[b] = dev.sparkgen.model.generate.search.TokenSelector.argmax(logits[b]);
            }
            long c0 = threads.getCurrentThreadCpuTime();
            for (int t = 1; t < newTokens; t++) {
              next = db.stepGreedy(next).tokens();
            }
            step = (threads.getCurrentThreadCpuTime() - c0) / 1e6 / (newTokens - 1);
          }
          double matmul = StepMatmuls.cpuMs(SpeedBenchmark.GPT2, batch);
          if (run >= 0) {
            stepMs[run] = step;
            matmulMs[run] = matmul;
          }
          System.out.printf("batch %d greedy step %.1f CPU ms, its matmuls alone %.1f CPU ms (load average %.1f)%n", batch,
              step, matmul, loadAverage());
        }
        double[] fraction = new double[runs[0]];
        for (int i = 0; i < fraction.length; i++) {
          fraction[i] = matmulMs[i] / stepMs[i];
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("batch", batch);
        r.put("step_cpu_ms", Spread.of(stepMs));
        r.put("matmul_cpu_ms", Spread.of(matmulMs));
        r.put("gemm_rate_fraction", Spread.of(fraction));
        gemm.add(r);
        gemmTable.add(String.format("| %d | %s | %s | %s |", batch, Spread.of(stepMs).format("%.1f"),
            Spread.of(matmulMs).format("%.1f"), Spread.of(fraction).format("%.2f")));
      }
    }
    json.put("greedy_step_gemm_share", gemm);
    System.out.printf("%nGPT-2-small shape, %d-token prompts, %d new tokens, 1 thread, median (min–max) of %d runs%n",
        prompt, newTokens, runs[0]);
    System.out.println("| batch | mode | tokens/s (wall) | tokens per CPU second | CPU ms per step | CPU ms per step over"
        + " greedy | device / host, wall (per run pair) | device / host, CPU | rows with the host's tokens |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    table.forEach(System.out::println);
    System.out.println("\nChoosing one step's tokens alone (same logits of a real step, alternating; CPU ms of the thread)");
    System.out.println("| batch | setting | host: copy + TokenChoice.onHost per row | device: DeviceSampling.pick | host / device | load average |");
    System.out.println("| --- | --- | --- | --- | --- | --- |");
    costTable.forEach(System.out::println);
    System.out.println("\nGreedy decode step alone (stepGreedy after prefill), CPU ms, and its matmuls alone at the model's"
        + " shapes (fraction = the GEMM rate the step reaches)");
    System.out.println("| batch | step | its matmuls alone | fraction of the GEMM rate at the model's shapes |");
    System.out.println("| --- | --- | --- | --- |");
    gemmTable.forEach(System.out::println);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, new GsonBuilder().setPrettyPrinting().create().toJson(json));
    System.out.println("\nwrote " + out.toAbsolutePath());
  }

  /** The search of one mode ("greedy", or "SETTING host|device"); no eos: every row makes all its tokens. */
  private static TokenSampling sampling(String mode, int newTokens) {
    Map<String, String> m = new LinkedHashMap<>();
    if (!mode.equals("greedy")) {
      m.putAll(SETTINGS.get(mode.split(" ")[0]));
    }
    m.put("max_new_tokens", String.valueOf(newTokens));
    m.put("eos_token_id", "none");
    GenerationConfig config = GenerationConfig.fromMap(m, GenerationConfig.defaults());
    TokenSampling s = new TokenSampling(config, new SeededUniforms(config.seed()), new StopStrings(List.of(), null));
    return mode.endsWith("host") ? s.onHost() : s;
  }

  /** The 1-minute load average of the machine. */
  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
