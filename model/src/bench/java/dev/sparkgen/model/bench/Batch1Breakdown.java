package dev.sparkgen.model.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.GsonBuilder;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.GreedyPicks;
import dev.sparkgen.model.NativeOpCounter;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.weights.RandomWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Batch-1 decode without prefill: median ms per {@link DecodeBatch#stepGreedy} step after the
 * prompt, the weight GB/s that implies against the GEMV bound measured in the same run, and the
 * step split into its matmuls (the output head alone; every layer's four projections, each with
 * its own weight so that every read comes from DRAM as in the model) and the rest. A program, not
 * a test. From the repository root:
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE MAVEN_OPTS=-Xmx6g mvn -o -q -pl model test-compile exec:java \
 *   -Dexec.classpathScope=test -Dexec.mainClass=dev.sparkgen.model.bench.Batch1Breakdown \
 *   -Dexec.args="--runs 3 --steps 32"
 * </pre>
 *
 * <p>Options: {@code --runs N} timed runs (after one warm-up); {@code --steps S} decode steps per
 * run; {@code --prompt T}; {@code --models gpt2,llama}; {@code --out bench-out/batch1.json}.
 * Random weights are built in memory (seed 1), no checkpoint files.
 */
public final class Batch1Breakdown {
  private Batch1Breakdown() {}

  public static void main(String[] args) throws IOException {
    Options o = Options.parse(args);
    DjlEnvironment.setThreads(1);
    if (JniUtils.getNumThreads() != 1) {
      throw new IllegalStateException("libtorch runs " + JniUtils.getNumThreads() + " threads, not 1");
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("date", Instant.now().toString());
    json.put("runs", o.runs);
    json.put("threads", 1);
    json.put("steps", o.steps);
    json.put("prompt_tokens", o.prompt);
    List<String> table = new ArrayList<>();
    List<Object> models = new ArrayList<>();
    for (String name : o.models) {
      ModelConfig c = name.equals("gpt2") ? SpeedBenchmark.GPT2 : SpeedBenchmark.LLAMA;
      double bytes = ModelCost.of(c, o.prompt, 1).weightBytesPerStep();
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("model", name);
      r.put("weight_bytes_per_step", bytes);
      // Interleaved per run: the GEMV bound, one decode run, matmul passes, so that the shared
      // machine's load moves all three together and their ratios stay comparable.
      double[] bound = new double[o.runs];
      double[] stepMs = new double[o.runs];
      double[] headMs = new double[o.runs];
      double[] layerMs = new double[o.runs];
      double[] greedyMs = new double[o.runs];
      double tensors = 0;
      try (CausalLm lm = CausalLm.of(RandomWeights.create(c, 1));
          MatmulParts parts = new MatmulParts(c)) {
        for (int run = -1; run < o.runs; run++) {
          double bw = Ceiling.gemvBandwidth(512, 1)[0];
          double[] step = decodeRun(lm, o);
          double[][] p = parts.time(3);
          if (run >= 0) {
            bound[run] = bw;
            stepMs[run] = step[0];
            tensors = step[1];
            layerMs[run] = Spread.of(p[0]).median();
            headMs[run] = Spread.of(p[1]).median();
            greedyMs[run] = Spread.of(p[2]).median();
          }
        }
      }
      Spread ms = Spread.of(stepMs);
      Spread head = Spread.of(headMs);
      Spread layers = Spread.of(layerMs);
      Spread greedy = Spread.of(greedyMs);
      Spread gemvBw = Spread.of(bound);
      double[] fraction = new double[o.runs];
      for (int i = 0; i < o.runs; i++) {
        fraction[i] = bytes / (stepMs[i] / 1e3) / 1e9 / bound[i];
      }
      Spread of = Spread.of(fraction);
      double gbs = bytes / (ms.median() / 1e3) / 1e9;
      double rest = ms.median() - head.median() - layers.median();
      r.put("ms_per_step", ms);
      r.put("weight_gbs", gbs);
      r.put("gemv_read_bandwidth_512mb_gbs", gemvBw);
      r.put("of_gemv_bound_per_run", of);
      r.put("native_tensors_per_step", tensors);
      r.put("head_gemv_ms", head);
      r.put("all_layers_matmul_ms", layers);
      r.put("one_layer_matmul_ms", layers.times(1.0 / c.numLayers()));
      r.put("matmul_only_gbs", bytes / ((head.median() + layers.median()) / 1e3) / 1e9);
      r.put("greedy_pick_ms", greedy);
      r.put("rest_ms", rest);
      models.add(r);
      table.add(String.format("| %s | %s | %s | %.2f; %s | %s | %s (%.2f per layer) | %.1f (%.0f %%) | %s | %.0f |",
          name, ms.format("%.1f"), gemvBw.format("%.1f"), gbs, of.times(100).format("%.0f %%"), head.format("%.1f"),
          layers.format("%.1f"), layers.median() / c.numLayers(), rest, 100 * rest / ms.median(),
          greedy.format("%.2f"), tensors));
      System.out.println(table.get(table.size() - 1));
    }
    json.put("models", models);
    System.out.printf("%nBatch-1 decode only (stepGreedy after a %d-token prefill; median of %d steps per run,"
        + " %d runs; 1 thread)%n", o.prompt, o.steps, o.runs);
    System.out.println("| model | ms/step | GEMV bound GB/s (same runs) | weight GB/s; of the bound (per run) | LM head GEMV ms"
        + " | all layers' 4 projections ms | rest ms (of step) | greedy pick on [1, V] ms (in rest) "
        + "| native tensors per step |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    table.forEach(System.out::println);
    Path out = Path.of(o.out);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(json));
    System.out.println("\nwrote " + out.toAbsolutePath());
  }

  /** One decode run: {ms per stepGreedy (median over the steps; prefill not timed), native tensors per step}. */
  private static double[] decodeRun(CausalLm lm, Options o) {
    int[] prompt = new SplittableRandom(1).ints(o.prompt, 0, lm.vocabSize()).toArray();
    try (DecodeBatch db = lm.open(List.of(prompt), o.steps)) {
      int[] next = {argmax(db.prefill()[0])};
      NativeOpCounter counter = NativeOpCounter.install(lm);
      double[] ts = new double[o.steps];
      for (int s = 0; s < o.steps; s++) {
        long t0 = System.nanoTime();
        GreedyPicks p = db.stepGreedy(next);
        ts[s] = (System.nanoTime() - t0) / 1e6;
        next = p.tokens();
      }
      return new double[] {Spread.of(ts).median(), (double) counter.count() / o.steps};
    }
  }

  /**
   * The step's matmuls alone, on random weights of the model's shapes: one pass over every layer's
   * fused QKV, attention output, MLP up and down projections ({@code Linear.linear} on [1, 1, in],
   * with bias for GPT-2), each layer with its own weights so that reads come from DRAM as in the
   * model; the output head GEMV {@code [1, 1, d]·[V, d]^T}; and the greedy pick (argmax,
   * log-softmax, max, two host copies) on its [1, V] logits.
   */
  private static final class MatmulParts implements AutoCloseable {
    private final ModelConfig c;
    private final NDManager mgr = DjlEnvironment.engine().newBaseManager();
    private final NDArray[][] w;
    private final NDArray[][] b;
    private final NDArray[] x = new NDArray[4];
    private final NDArray head;
    private final NDArray hx;

    MatmulParts(ModelConfig c) {
      this.c = c;
      long d = c.hiddenSize();
      long ff = c.intermediateSize();
      long q = (long) c.numHeads() * c.headDim();
      long kv = (long) c.numKvHeads() * c.headDim();
      boolean gpt2 = c.family() == ModelFamily.GPT2;
      long[][] shapes = gpt2 ? new long[][] {{d, 3 * d}, {d, d}, {d, ff}, {ff, d}}
          : new long[][] {{d, q + 2 * kv}, {q, d}, {d, 2 * ff}, {ff, d}};
      w = new NDArray[c.numLayers()][4];
      b = new NDArray[c.numLayers()][4];
      for (int i = 0; i < 4; i++) {
        x[i] = mgr.randomNormal(new Shape(1, 1, shapes[i][0]));
        for (int l = 0; l < c.numLayers(); l++) {
          w[l][i] = mgr.randomNormal(new Shape(shapes[i][1], shapes[i][0]));
          b[l][i] = gpt2 ? mgr.randomNormal(new Shape(shapes[i][1])) : null;
        }
      }
      head = mgr.randomNormal(new Shape(c.vocabSize(), d));
      hx = mgr.randomNormal(new Shape(1, 1, d));
    }

    /** {layer-pass ms, head ms, greedy-pick ms}, one value per pass. */
    double[][] time(int passes) {
      double[][] out = new double[3][passes];
      for (int p = 0; p < passes; p++) {
        try (NDScope ignored = new NDScope()) {
          long t0 = System.nanoTime();
          for (int l = 0; l < c.numLayers(); l++) {
            for (int i = 0; i < 4; i++) {
              NDArray y = (b[l][i] == null ? Linear.linear(x[i], w[l][i]) : Linear.linear(x[i], w[l][i], b[l][i]))
                  .singletonOrThrow();
              y.getFloat(0, 0, 0); // forces completion, as the next op would
            }
          }
          long t1 = System.nanoTime();
          NDArray logits = Linear.linear(hx, head).singletonOrThrow();
          logits.getFloat(0, 0, 0);
          long t2 = System.nanoTime();
          NDArray flat = logits.reshape(1, c.vocabSize());
          flat.argMax(1).toLongArray();
          flat.logSoftmax(1).max(new int[] {1}).toFloatArray();
          long t3 = System.nanoTime();
          out[0][p] = (t1 - t0) / 1e6;
          out[1][p] = (t2 - t1) / 1e6;
          out[2][p] = (t3 - t2) / 1e6;
        }
      }
      return out;
    }

    @Override
    public void close() {
      mgr.close();
    }
  }

  private static int argmax(float[] logits) {
    int best = 0;
    for (int v = 1; v < logits.length; v++) {
      if (logits[v] > logits[best]) {
        best = v;
      }
    }
    return best;
  }

  /** Command-line options with their defaults. */
  private static final class Options {
    int runs = 3;
    int steps = 32;
    int prompt = 32;
    List<String> models = List.of("gpt2", "llama");
    String out = "bench-out/batch1.json";

    static Options parse(String[] args) {
      Options o = new Options();
      BenchArgs.forEach(args, (name, v) -> {
        switch (name) {
          case "--runs" -> o.runs = Integer.parseInt(v);
          case "--steps" -> o.steps = Integer.parseInt(v);
          case "--prompt" -> o.prompt = Integer.parseInt(v);
          case "--models" -> o.models = List.of(v.split(","));
          case "--out" -> o.out = v;
          default -> throw new IllegalArgumentException("unknown option " + name
              + " (known: --runs, --steps, --prompt, --models, --out)");
        }
      });
      return o;
    }
  }
}
