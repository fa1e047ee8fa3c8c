package dev.sparkgen.benchjlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Jlama's greedy decode on the speed benchmark's random checkpoints (with the tokenizer.json
 * Jlama insists on, which SpeedBenchmark puts there), fp32, one prompt at a time as
 * its API works, on the same prompt ids ({@code SplittableRandom(batch)}, as SpeedBenchmark draws
 * them) and the same loop as its {@code generate} (batch prefill, then one forward and an argmax
 * per token), so the tokens can be compared. Writes {@code bench-out/jlama.json}, which
 * SpeedBenchmark joins into its table. From the repository root, on a Java 21+ JDK:
 *
 * <pre>
 * JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 MAVEN_OPTS="--add-modules jdk.incubator.vector -Xmx6g" \
 *   mvn -o -q -Pjlama -pl bench-jlama compile exec:java -Dexec.mainClass=dev.sparkgen.benchjlama.JlamaBenchmark \
 *   -Dexec.args="--runs 3"
 * </pre>
 *
 * <p>Options: {@code --models gpt2,llama}, {@code --batches 1,8} (prompts per run, decoded one
 * after another), {@code --prompt 32}, {@code --new 64}, {@code --runs 3} (batch 1), {@code
 * --big-runs 1} (larger batches), {@code --threads 1}
 * (Jlama's worker threads), {@code --temperature 0} (above 0: Jlama's own sampling at that
 * temperature, one uniform per token from a seeded stream; it has no top-k or top-p),
 * {@code --dir bench-out/models}, {@code --out bench-out/jlama.json}. Besides wall-clock tokens/s
 * it reports tokens per second of the JVM's CPU time (all threads), which other jobs on a shared
 * machine disturb less.
 */
public final class JlamaBenchmark {
  private JlamaBenchmark() {}

  public static void main(String[] args) throws IOException {
    List<String> models = List.of("gpt2", "llama");
    int[] batches = {1, 8};
    int prompt = 32;
    int newTokens = 64;
    int runs = 3;
    int bigRuns = 1;
    int threads = 1;
    float temperature = 0f;
    Path dir = Path.of("bench-out/models");
    Path out = Path.of("bench-out/jlama.json");
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--models" -> models = List.of(v.split(","));
        case "--batches" -> batches = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--prompt" -> prompt = Integer.parseInt(v);
        case "--new" -> newTokens = Integer.parseInt(v);
        case "--runs" -> runs = Integer.parseInt(v);
        case "--big-runs" -> bigRuns = Integer.parseInt(v);
        case "--threads" -> threads = Integer.parseInt(v);
        case "--temperature" -> temperature = Float.parseFloat(v);
        case "--dir" -> dir = Path.of(v);
        case "--out" -> out = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    PhysicalCoreExecutor.overrideThreadCount(threads);
    StringBuilder json = new StringBuilder("{\n  \"threads\": " + threads + ",\n  \"results\": [");
    boolean first = true;
    for (String name : models) {
      AbstractModel m;
      try {
        m = ModelSupport.loadModel(dir.resolve(name).toFile(), DType.F32, DType.F32);
      } catch (RuntimeException e) {
        System.out.println("Jlama cannot load " + name + ": " + e + (e.getCause() != null && e.getCause().getCause() != null ? " caused by " + e.getCause().getCause() : ""));
        continue;
      }
      int vocab = m.getConfig().vocabularySize;
      boolean warm = false;
      for (int batch : batches) {
        int n = batch == 1 ? runs : bigRuns; // sequential prompts: batch 8 costs 8x batch 1
        SplittableRandom rnd = new SplittableRandom(batch);
        List<int[]> prompts = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
          prompts.add(rnd.ints(prompt, 0, vocab).toArray());
        }
        double[] tps = new double[n];
        double[] cpuTps = new double[n];
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        int[][] tokens = new int[batch][];
        for (int r = warm ? 0 : -1; r < n; r++) { // one warm-up per model
          long t0 = System.nanoTime();
          long c0 = os.getProcessCpuTime();
          for (int b = 0; b < batch; b++) {
            tokens[b] = generate(m, prompts.get(b), newTokens, temperature, new SplittableRandom(b));
          }
          if (r >= 0) {
            tps[r] = (double) batch * newTokens / ((System.nanoTime() - t0) / 1e9);
            cpuTps[r] = (double) batch * newTokens / ((os.getProcessCpuTime() - c0) / 1e9);
            System.out.printf(Locale.ROOT, "jlama %s batch %d run %d: %.1f tokens/s, %.1f per CPU second (load average %.1f)%n",
                name, batch, r, tps[r], cpuTps[r], os.getSystemLoadAverage());
          }
        }
        warm = true;
        double[] s = tps.clone();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        double[] c = cpuTps.clone();
        Arrays.sort(c);
        double cpuMedian = c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
        System.out.printf(Locale.ROOT, "| jlama | %s | %d | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) per CPU second |%n", name, batch,
            median, s[0], s[s.length - 1], cpuMedian, c[0], c[c.length - 1]);
        json.append(first ? "\n" : ",\n").append(String.format(Locale.ROOT,
            "    {\"model\": \"%s\", \"batch\": %d, \"temperature\": %s, \"tokens_per_s\": {\"median\": %.3f, \"min\": %.3f,"
                + " \"max\": %.3f}, \"tokens_per_cpu_s\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f}, \"tokens\": %s}",
            name, batch, temperature, median, s[0], s[s.length - 1], cpuMedian, c[0], c[c.length - 1],
            Arrays.deepToString(tokens)));
        first = false;
      }
      m.close();
    }
    json.append("\n  ]\n}\n");
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json);
    System.out.println("wrote " + out.toAbsolutePath());
    System.exit(0); // Jlama's worker pool threads are not daemons
  }

  /**
   * Jlama's generate loop on given ids, no BOS added, no eos stop: greedy at temperature 0, else
   * Jlama's sampling with one uniform per token from {@code uniforms}.
   */
  private static int[] generate(AbstractModel m, int[] prompt, int newTokens, float temperature,
      SplittableRandom uniforms) {
    int[] out = new int[newTokens];
    try (KvBufferCache cache = new KvBufferCache(m);
        KvBufferCache.KvBuffer kv = cache.getKvBuffer(UUID.randomUUID());
        AbstractTensor logits = m.makeDenseTensor(m.getConfig().vocabularySize)) {
      AbstractTensor last = m.batchForward(prompt, 0, kv);
      out[0] = m.sample(last.slice(last.shape().first() - 1), temperature, (float) uniforms.nextDouble(), logits);
      last.close();
      for (int i = 1; i < newTokens; i++) {
        AbstractTensor o = m.forward(out[i - 1], prompt.length + i - 1, kv, Optional.empty());
        out[i] = m.sample(o, temperature, (float) uniforms.nextDouble(), logits);
        o.close();
        kv.incrementContextPosition();
      }
    }
    return out;
  }
}
