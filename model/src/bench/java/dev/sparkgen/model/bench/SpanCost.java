package dev.sparkgen.model.bench;

import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.DjlEnvironment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * CPU time of a greedy decode step ({@link DecodeBatch#stepGreedy}) at a fixed number of rows as
 * the span of cache slots the rows attend to grows: a continuous batch of {@code rows} rows, each
 * admitted with an 8-token prompt, then {@code steps} steps; mean ms per step over every 20 steps,
 * by span. A continuous batch's rows attend over the span of its oldest row, so this is what rows
 * of different ages cost each other. A program, not a test; from the repository root, with the
 * job's test class path (model/bench/README.md):
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE java -cp ... dev.sparkgen.model.bench.SpanCost bench-out/models/gpt2 32 240
 * </pre>
 *
 * <p>Arguments: the model folder, rows (32), steps (240).
 */
public final class SpanCost {
  public static void main(String[] args) {
    DjlEnvironment.setThreads(1);
    int rows = Integer.parseInt(args.length > 1 ? args[1] : "32");
    int steps = Integer.parseInt(args.length > 2 ? args[2] : "240");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    try (CausalLm lm = CausalLm.load(Path.of(args[0]).toAbsolutePath());
        DecodeBatch b = lm.openContinuous(rows, 8, steps + 8)) {
      SplittableRandom r = new SplittableRandom(1);
      int[] tokens = new int[rows];
      for (int i = 0; i < rows; i++) {
        int[] p = new int[8];
        for (int t = 0; t < 8; t++) {
          p[t] = r.nextInt(lm.vocabSize());
        }
        b.admit(new int[] {i}, p, 0);
        tokens[i] = r.nextInt(lm.vocabSize());
      }
      double sum = 0;
      int n = 0;
      for (int s = 0; s < steps; s++) {
        long t0 = mx.getCurrentThreadCpuTime();
        tokens = b.stepGreedy(tokens).tokens();
        sum += (mx.getCurrentThreadCpuTime() - t0) / 1e6;
        n++;
        if ((s + 1) % 20 == 0) {
          System.out.printf("span %d-%d: %.1f ms per step%n", 8 + s - 18, 8 + s + 1, sum / n);
          sum = 0;
          n = 0;
        }
      }
    }
  }
}
