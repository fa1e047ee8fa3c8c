package dev.sparkgen.job.bench;

import dev.sparkgen.model.Admission;
import dev.sparkgen.model.BatchModel;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.GreedyPicks;
import dev.sparkgen.model.LogitsReader;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Generator;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Scheduler;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.weights.HfFolder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a scheduler's time goes, model only, on one thread, in CPU seconds (the shared VM's load
 * changes wall time, much less a thread's CPU time): {@link WorkloadBenchmark}'s workload through
 * {@link Generator} with continuous (prefix reuse on, then off) and static scheduling, every batch
 * call timed: decode steps by their number of rows, prefills and admissions, row selections, and
 * the rest (host-side choice of tokens, bookkeeping). A least-squares fit of a step's CPU time,
 * {@code a + b x rows}, says how much of a step is fixed (weights streamed once per step, per-op
 * overhead) and how much grows with the rows: continuous batching saves steps, so it gains only the
 * fixed part of the steps it saves. A program, not a test; from the repository root, with the job
 * test class path in /tmp/jobcp.txt (see model/bench/README.md):
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE java -Xmx8g -cp job/target/test-classes:job/target/classes:$(cat /tmp/jobcp.txt) \
 *   dev.sparkgen.job.bench.SchedulingBreakdown --prompts 128 --batch 16 --eos 42025
 * </pre>
 *
 * <p>Options as {@link WorkloadBenchmark}'s ({@code --model}, {@code --prompts}, {@code --prefix},
 * {@code --min}, {@code --max}, {@code --new}, {@code --batch}, {@code --eos}: required here), and
 * {@code --modes continuous,static,no-reuse} (which runs, in that order) and {@code --rows all}
 * ({@code even}: only the prompts with the shared prefix, {@code odd}: only the others; as the Spark
 * job's two partitions of the workload hold them). Also prints the mean step
 * CPU time at several batch sizes, per scheduler.
 */
public final class SchedulingBreakdown {
  private SchedulingBreakdown() {}

  public static void main(String[] args) {
    Map<String, String> o = new LinkedHashMap<>(Map.of("--model", "bench-out/models/gpt2", "--prompts", "128",
        "--prefix", "64", "--min", "8", "--max", "96", "--new", "128", "--batch", "16", "--eos", "", "--modes", "continuous,static,no-reuse", "--rows", "all"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!o.containsKey(args[i])) {
        throw new IllegalArgumentException("unknown option " + args[i] + " (known: " + o.keySet() + ")");
      }
      o.put(args[i], args[i + 1]);
    }
    if (o.get("--eos").isEmpty()) {
      throw new IllegalArgumentException("--eos is required (WorkloadBenchmark's calibration prints it)");
    }
    DjlEnvironment.setThreads(1);
    int eos = Integer.parseInt(o.get("--eos"));
    int batch = Integer.parseInt(o.get("--batch"));
    Path modelDir = Path.of(o.get("--model")).toAbsolutePath();
    List<int[]> prompts = WorkloadBenchmark.workload(Integer.parseInt(o.get("--prompts")), o,
        HfFolder.readConfig(modelDir).vocabSize(), eos, 14);
    List<PromptInput> inputs = new ArrayList<>();
    String rows = o.get("--rows");
    if (!List.of("all", "even", "odd").contains(rows)) {
      throw new IllegalArgumentException("--rows " + rows + ": all, even (the shared-prefix prompts) or odd");
    }
    for (int i = 0; i < prompts.size(); i++) {
      if (rows.equals("all") || (i % 2 == 0) == rows.equals("even")) {
        inputs.add(new PromptInput(i, prompts.get(i)));
      }
    }
    prompts = inputs.stream().map(PromptInput::tokenIds).toList();
    GenerationConfig config = GenerationConfig.fromMap(Map.of("do_sample", "true", "temperature", "0.8", "top_p",
        "0.95", "max_new_tokens", o.get("--new"), "seed", "14", "eos_token_id", String.valueOf(eos)),
        GenerationConfig.defaults());
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    System.out.printf("%d prompts, batch %d, 1 thread, load %s%n%n| scheduler | wall s | CPU s | tokens | steps |"
        + " rows per step | steps CPU s | prefill/admit CPU s | select CPU s | rest CPU s | step fit a + b x rows (ms)"
        + " |%n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |%n", prompts.size(), batch,
        WorkloadBenchmark.load());
    Map<String, double[]> fits = new LinkedHashMap<>();
    Map<String, Timed> timings = new LinkedHashMap<>();
    Map<String, List<List<Sequence>>> outputs = new HashMap<>();
    try (CausalLm lm = CausalLm.load(modelDir)) {
      for (String flag : o.get("--modes").split(",")) {
        String mode = switch (flag) {
          case "continuous", "static" -> flag;
          case "no-reuse" -> "continuous, no prefix reuse";
          default -> throw new IllegalArgumentException("--modes: " + flag + " is none of continuous, static, no-reuse");
        };
        Timed timed = new Timed(lm, mx);
        Generator g = new Generator(timed, config, null).withScheduler(
            mode.equals("static") ? Scheduler.STATIC : Scheduler.CONTINUOUS, mode.endsWith("reuse") ? 0 : 32);
        long cpu0 = mx.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        List<List<Sequence>> out = g.generate(inputs, batch);
        double cpu = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
        double wall = (System.nanoTime() - wall0) / 1e9;
        outputs.put(mode, out);
        long tokens = out.stream().mapToLong(s -> s.get(0).tokenIds().length).sum();
        double[] fit = timed.fit();
        fits.put(mode, fit);
        timings.put(mode, timed);
        System.out.printf("| %s | %.1f | %.1f | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f + %.2f x rows |%n",
            mode, wall, cpu, tokens, timed.steps, timed.rowSteps / (double) timed.steps, timed.stepNs / 1e9,
            timed.prefillNs / 1e9, timed.selectNs / 1e9, cpu - (timed.stepNs + timed.prefillNs + timed.selectNs) / 1e9,
            fit[0] * 1e3, fit[1] * 1e3);
      }
    }
    System.out.printf("%nMean step CPU ms by rows in the batch (steps at that size):%n%n| scheduler |");
    int[] sizes = {1, 2, 4, 8, 16, 24, batch};
    for (int n : sizes) {
      System.out.printf(" %d rows |", n);
    }
    System.out.printf("%n| --- |%s%n", " --- |".repeat(sizes.length));
    for (Map.Entry<String, Timed> e : timings.entrySet()) {
      System.out.printf("| %s |", e.getKey());
      for (int n : sizes) {
        long[] s = e.getValue().byRows.get(n);
        System.out.print(s == null ? " |" : String.format(" %.1f (%d) |", s[1] / 1e6 / s[0], s[0]));
      }
      System.out.println();
    }
    for (Map.Entry<String, Timed> e : timings.entrySet()) {
      if (e.getValue().admitCalls > 0) {
        System.out.printf("%s: %d admission calls for %d prompts%n", e.getKey(), e.getValue().admitCalls,
            e.getValue().admittedPrompts);
      }
    }
    long differ = 0;
    for (int i = 0; outputs.containsKey("continuous") && outputs.containsKey("static") && i < prompts.size(); i++) {
      if (!java.util.Arrays.equals(outputs.get("continuous").get(i).get(0).tokenIds(),
          outputs.get("static").get(i).get(0).tokenIds())) {
        differ++;
      }
    }
    if (outputs.containsKey("continuous") && outputs.containsKey("static")) {
      System.out.printf("%nrows whose tokens differ between continuous and static: %d of %d%n", differ, prompts.size());
    }
  }

  /** A {@link BatchModel} that times every batch call of the model it wraps, in the calling thread's CPU time. */
  static final class Timed implements BatchModel {
    private final BatchModel model;
    private final ThreadMXBean mx;
    long stepNs;
    long prefillNs;
    long admitCalls; // admission calls of a continuous batch
    long admittedPrompts; // prompts those calls admitted
    long selectNs;
    long steps;
    long rowSteps;
    final TreeMap<Integer, long[]> byRows = new TreeMap<>(); // rows -> {steps, ns}

    Timed(BatchModel model, ThreadMXBean mx) {
      this.model = model;
      this.mx = mx;
    }

    /** Least squares of step CPU seconds on rows: {a, b}. */
    double[] fit() {
      double n = 0;
      double sx = 0;
      double sy = 0;
      double sxx = 0;
      double sxy = 0;
      for (Map.Entry<Integer, long[]> e : byRows.entrySet()) {
        double x = e.getKey();
        double count = e.getValue()[0];
        double y = e.getValue()[1] / 1e9 / count; // mean seconds per step at these rows
        n += count;
        sx += count * x;
        sy += count * y;
        sxx += count * x * x;
        sxy += count * x * y;
      }
      double b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
      return new double[] {(sy - b * sx) / n, b};
    }

    @Override
    public int vocabSize() {
      return model.vocabSize();
    }

    @Override
    public int maxPositions() {
      return model.maxPositions();
    }

    @Override
    public DecodeBatch open(List<int[]> prompts, int maxNewTokens) {
      long t = mx.getCurrentThreadCpuTime();
      DecodeBatch b = model.open(prompts, maxNewTokens);
      prefillNs += mx.getCurrentThreadCpuTime() - t;
      return wrap(b);
    }

    @Override
    public DecodeBatch openContinuous(int rows, int longestPrompt, int maxNewTokens) {
      long t = mx.getCurrentThreadCpuTime();
      DecodeBatch b = model.openContinuous(rows, longestPrompt, maxNewTokens);
      prefillNs += mx.getCurrentThreadCpuTime() - t;
      return wrap(b);
    }

    private void step(int rows, long ns) {
      stepNs += ns;
      steps++;
      rowSteps += rows;
      long[] s = byRows.computeIfAbsent(rows, k -> new long[2]);
      s[0]++;
      s[1] += ns;
    }

    private DecodeBatch wrap(DecodeBatch b) {
      return new DecodeBatch() {
        @Override
        public int rows() {
          return b.rows();
        }

        @Override
        public float[][] prefill() {
          long t = mx.getCurrentThreadCpuTime();
          try {
            return b.prefill();
          } finally {
            prefillNs += mx.getCurrentThreadCpuTime() - t;
          }
        }

        @Override
        public <T> T prefill(LogitsReader<T> reader) {
          long t = mx.getCurrentThreadCpuTime();
          try {
            return b.prefill(reader); // the first tokens are chosen inside
          } finally {
            prefillNs += mx.getCurrentThreadCpuTime() - t;
          }
        }

        @Override
        public int admitsAtOnce() {
          return b.admitsAtOnce();
        }

        @Override
        public float[][] admit(List<Admission> prompts) {
          long t = mx.getCurrentThreadCpuTime();
          try {
            admitCalls++;
            admittedPrompts += prompts.size();
            return b.admit(prompts);
          } finally {
            prefillNs += mx.getCurrentThreadCpuTime() - t;
          }
        }

        @Override
        public <T> T admit(List<Admission> prompts, LogitsReader<T> reader) {
          long t = mx.getCurrentThreadCpuTime();
          try {
            admitCalls++;
            admittedPrompts += prompts.size();
            return b.admit(prompts, reader);
          } finally {
            prefillNs += mx.getCurrentThreadCpuTime() - t;
          }
        }

        @Override
        public float[] admit(int[] rows, int[] prompt, int sharedPrefix) {
          long t = mx.getCurrentThreadCpuTime();
          try {
            admitCalls++;
            admittedPrompts++;
            return b.admit(rows, prompt, sharedPrefix);
          } finally {
            prefillNs += mx.getCurrentThreadCpuTime() - t;
          }
        }

        @Override
        public float[][] step(int[] tokens) {
          long t = mx.getCurrentThreadCpuTime();
          try {
            return b.step(tokens);
          } finally {
            Timed.this.step(tokens.length, mx.getCurrentThreadCpuTime() - t);
          }
        }

        @Override
        public <T> T step(int[] tokens, LogitsReader<T> reader) {
          long t = mx.getCurrentThreadCpuTime();
          try {
            return b.step(tokens, reader); // device sampling: the draw is part of the step
          } finally {
            Timed.this.step(tokens.length, mx.getCurrentThreadCpuTime() - t);
          }
        }

        @Override
        public boolean picksGreedyItself() {
          return b.picksGreedyItself();
        }

        @Override
        public GreedyPicks stepGreedy(int[] tokens) {
          long t = mx.getCurrentThreadCpuTime();
          try {
            return b.stepGreedy(tokens);
          } finally {
            Timed.this.step(tokens.length, mx.getCurrentThreadCpuTime() - t);
          }
        }

        @Override
        public void select(int[] rows) {
          long t = mx.getCurrentThreadCpuTime();
          try {
            b.select(rows);
          } finally {
            selectNs += mx.getCurrentThreadCpuTime() - t;
          }
        }

        @Override
        public int remaining(int row) {
          return b.remaining(row);
        }

        @Override
        public void close() {
          b.close();
        }
      };
    }
  }
}
