package dev.sparkgen.model.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.GsonBuilder;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.search.SeededUniforms;
import dev.sparkgen.model.generate.search.StopStrings;
import dev.sparkgen.model.generate.search.TokenSampling;
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
 * Sampling on the host against sampling on the device, model only, on the GPT-2-small shape
 * (random fp32 weights, {@code bench-out/models/gpt2}, written on first use): one batch of
 * random 32-token prompts decoded by {@link TokenSampling} (its {@link TokenSampling#onHost()}
 * copy for the host path), no eos, so every row makes all its tokens; plain greedy (the batch's
 * own argmax, no [rows, V] copy) runs beside them as the floor. Runs of all modes interleave, one
 * warm-up each. Tokens/s = generated tokens / wall time of the run, prefill included; per step,
 * what a mode adds to greedy's step time is its choosing cost. The load average of the shared VM
 * is printed with every run. A program, not a test. From the repository root:
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE MAVEN_OPTS=-Xmx6g mvn -o -q -pl model test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.sparkgen.model.bench.SamplingBenchmark -Dexec.args="--batches 32,64 --runs 3"
 * </pre>
 *
 * <p>Options: {@code --batches 32,64}; {@code --prompt 32}; {@code --new 32} new tokens;
 * {@code --runs 3}; {@code --settings demo,top_p} (demo: temperature 0.8, top_k 50, top_p 0.95,
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
        case "--dir" -> dir = Path.of(v);
        case "--out" -> out = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + e.getKey()
            + " (known: --batches, --prompt, --new, --runs, --settings, --dir, --out)");
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
      for (int batch : batches) {
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
        Map<String, int[][]> tokens = new LinkedHashMap<>();
        modes.forEach(m -> tps.put(m, new double[runs[0]]));
        for (int run = -1; run < runs[0]; run++) {
          for (String mode : modes) {
            TokenSampling sampling = sampling(mode, newTokens);
            double load = loadAverage();
            long t0 = System.nanoTime();
            List<List<Sequence>> result = sampling.run(lm, prompts);
            double seconds = (System.nanoTime() - t0) / 1e9;
            int made = result.stream().mapToInt(s -> s.get(0).tokenIds().length).sum();
            tokens.put(mode, result.stream().map(s -> s.get(0).tokenIds()).toArray(int[][]::new));
            if (run >= 0) {
              tps.get(mode)[run] = made / seconds;
            }
            System.out.printf("batch %d %-12s run %2d: %6.1f tokens/s  (load average %.1f)%n", batch, mode, run,
                made / seconds, load);
          }
        }
        Spread greedy = Spread.of(tps.get("greedy"));
        double greedyStepMs = 1000.0 * batch / greedy.median();
        for (String mode : modes) {
          Spread t = Spread.of(tps.get(mode));
          double stepMs = 1000.0 * batch / t.median();
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("batch", batch);
          r.put("mode", mode);
          r.put("tokens_per_s", t);
          r.put("ms_per_step", stepMs);
          r.put("ms_per_step_over_greedy", stepMs - greedyStepMs);
          String vsHost = "";
          if (mode.endsWith("device")) {
            String host = mode.replace("device", "host");
            double[] ratio = new double[runs[0]];
            for (int i = 0; i < ratio.length; i++) {
              ratio[i] = tps.get(mode)[i] / tps.get(host)[i];
            }
            int same = 0;
            for (int b = 0; b < batch; b++) {
              same += Arrays.equals(tokens.get(mode)[b], tokens.get(host)[b]) ? 1 : 0;
            }
            r.put("device_over_host_per_run", Spread.of(ratio));
            r.put("rows_with_the_host_tokens", same);
            vsHost = String.format("%s; %d/%d rows identical", Spread.of(ratio).format("%.2f"), same, batch);
          }
          results.add(r);
          table.add(String.format("| %d | %s | %s | %.0f | %.0f | %s |", batch, mode, t.format("%.1f"), stepMs,
              stepMs - greedyStepMs, vsHost));
        }
      }
    }
    json.put("results", results);
    System.out.printf("%nGPT-2-small shape, %d-token prompts, %d new tokens, 1 thread, median (min–max) of %d runs%n",
        prompt, newTokens, runs[0]);
    System.out.println("| batch | mode | tokens/s | ms per step | ms per step over greedy | device / host (per run pair) |");
    System.out.println("| --- | --- | --- | --- | --- | --- |");
    table.forEach(System.out::println);
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
