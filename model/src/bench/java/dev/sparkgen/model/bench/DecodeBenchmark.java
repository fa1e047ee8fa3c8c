package dev.sparkgen.model.bench;

import dev.sparkgen.model.generate.search.TokenSelector;
import ai.djl.pytorch.jni.JniUtils;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.RandomWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Load time and decode speed of a GPT-2-small-shaped model (124M parameters, random weights, fp32)
 * per libtorch thread count. A program, not a test. Run from the repository root:
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE MAVEN_OPTS=-Xmx4g mvn -o -q -pl model test-compile exec:java \
 *   -Dexec.classpathScope=test -Dexec.mainClass=dev.sparkgen.model.bench.DecodeBenchmark \
 *   -Dexec.args="--threads 1,2 --runs 3"
 * </pre>
 *
 * <p>Options: {@code --threads 1,2} thread counts; {@code --runs N} timed runs per setting (after
 * one warm-up run); {@code --prompt T} prompt tokens; {@code --steps S} decode steps per run;
 * {@code --batches 1,32}; {@code --loads N} timed loads per setting; {@code --dir PATH} keep the
 * checkpoint there (reused if present) instead of a temporary folder.
 */
public final class DecodeBenchmark {
  /** GPT-2 small: vocab 50257, 12 layers, 768 hidden, 12 heads, 1024 positions. */
  static final ModelConfig GPT2_SMALL = new ModelConfig(ModelFamily.GPT2, 50257, 768, 12, 12, 12, 64, 3072, 1024,
      1e-5, 0, true, true, true, 50256, List.of(50256)).validate("benchmark");

  private DecodeBenchmark() {}

  public static void main(String[] args) throws IOException {
    Options o = Options.parse(args);
    DjlEnvironment.engine();
    System.out.printf("OMP_WAIT_POLICY=%s, %d CPUs, %d parameters%n", System.getenv("OMP_WAIT_POLICY"),
        Runtime.getRuntime().availableProcessors(), GPT2_SMALL.parameterCount());
    Path dir = o.dir != null ? o.dir : Files.createTempDirectory("sparkgen-bench");
    try {
      if (!Files.isRegularFile(dir.resolve(HfFolder.WEIGHTS))) {
        long t0 = System.nanoTime();
        Checkpoint random = RandomWeights.create(GPT2_SMALL, 1);
        long t1 = System.nanoTime();
        HfFolder.save(random, dir);
        System.out.printf("random weights %.1f s, saved %d MB to %s in %.1f s%n", (t1 - t0) / 1e9,
            Files.size(dir.resolve(HfFolder.WEIGHTS)) >> 20, dir, (System.nanoTime() - t1) / 1e9);
      }
      List<String> rows = new ArrayList<>();
      double cold = Double.NaN; // the first load in this JVM: what a fresh Spark executor sees
      for (int threads : o.threads) {
        DjlEnvironment.setThreads(threads);
        if (JniUtils.getNumThreads() != threads) {
          throw new IllegalStateException("libtorch runs " + JniUtils.getNumThreads() + " threads, not " + threads);
        }
        double[] loads = new double[o.loads];
        for (int i = 0; i < o.loads; i++) {
          long t0 = System.nanoTime();
          CausalLm lm = CausalLm.load(dir);
          loads[i] = (System.nanoTime() - t0) / 1e9;
          lm.close();
          if (Double.isNaN(cold)) {
            cold = loads[i];
          }
        }
        try (CausalLm lm = CausalLm.load(dir)) {
          for (int batch : o.batches) {
            Result r = decode(lm, batch, o);
            rows.add(String.format("| %d | %d | %.2f | %.0f | %.1f | %.1f–%.1f | %.0f |", threads, batch, median(loads),
                r.prefillMs, r.stepMs, r.minStepMs, r.maxStepMs, batch * 1000 / r.stepMs));
            System.out.println(rows.get(rows.size() - 1));
          }
        }
      }
      System.out.printf("%nGPT-2-small shape, fp32, %d-token prompts, %d steps, median of %d runs (after a warm-up)%n",
          o.prompt, o.steps, o.runs);
      System.out.printf("first load in this JVM (cold JIT, warm page cache): %.2f s%n", cold);
      System.out.println("| threads | batch | load s (median) | prefill ms | ms/step (median) | ms/step range | tokens/s |");
      System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
      rows.forEach(System.out::println);
    } finally {
      if (o.dir == null) {
        deleteTree(dir);
      }
    }
  }

  /** Per-step timings of {@code runs} runs (after one warm-up): greedy tokens, chosen outside the timing. */
  private static Result decode(CausalLm lm, int batch, Options o) {
    SplittableRandom rnd = new SplittableRandom(batch);
    List<int[]> prompts = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      prompts.add(rnd.ints(o.prompt, 0, lm.vocabSize()).toArray());
    }
    List<Double> steps = new ArrayList<>();
    List<Double> prefills = new ArrayList<>();
    for (int run = 0; run <= o.runs; run++) {
      try (DecodeBatch db = lm.open(prompts, o.steps)) {
        long t0 = System.nanoTime();
        float[][] logits = db.prefill();
        double prefill = (System.nanoTime() - t0) / 1e6;
        List<Double> mine = new ArrayList<>();
        for (int s = 0; s < o.steps; s++) {
          int[] next = argmax(logits);
          long t1 = System.nanoTime();
          logits = db.step(next);
          mine.add((System.nanoTime() - t1) / 1e6);
        }
        if (run > 0) { // run 0 warms up allocators and kernels
          prefills.add(prefill);
          steps.addAll(mine);
        }
      }
    }
    double[] s = steps.stream().mapToDouble(Double::doubleValue).toArray();
    return new Result(median(prefills.stream().mapToDouble(Double::doubleValue).toArray()), median(s),
        Arrays.stream(s).min().orElse(0), Arrays.stream(s).max().orElse(0));
  }

  private record Result(double prefillMs, double stepMs, double minStepMs, double maxStepMs) {}

  private static int[] argmax(float[][] logits) {
    return java.util.Arrays.stream(logits).mapToInt(TokenSelector::argmax).toArray();
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Command-line options with their defaults. */
  private static final class Options {
    int[] threads = {1, 2};
    int[] batches = {1, 32};
    int runs = 3;
    int loads = 3;
    int prompt = 32;
    int steps = 32;
    Path dir;

    static Options parse(String[] args) {
      Options o = new Options();
      BenchArgs.forEach(args, (name, v) -> {
        switch (name) {
          case "--threads" -> o.threads = ints(v);
          case "--batches" -> o.batches = ints(v);
          case "--runs" -> o.runs = Integer.parseInt(v);
          case "--loads" -> o.loads = Integer.parseInt(v);
          case "--prompt" -> o.prompt = Integer.parseInt(v);
          case "--steps" -> o.steps = Integer.parseInt(v);
          case "--dir" -> o.dir = Path.of(v);
          default -> throw new IllegalArgumentException("unknown option " + name
              + " (known: --threads, --batches, --runs, --loads, --prompt, --steps, --dir)");
        }
      });
      return o;
    }

    private static int[] ints(String csv) {
      return Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }
  }
}
