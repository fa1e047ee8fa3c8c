package dev.sparkgen.model.bench;

import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.DjlEnvironment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * CPU time of a static batch's prefill ({@link DecodeBatch#prefill}) by its shape, rows x tokens
 * (32 x 96, 32 x 32, 8 x 96, 1 x 96, 1 x 32, 1 x 8; random ids), per token and as GFLOP/s at 170
 * MFLOP per token (GPT-2 small's projections); and of continuous admissions ({@link
 * DecodeBatch#admit}) of the 1-row prompts, 8 into one fresh continuous batch (the first one moves
 * the batch's cache). Three rounds. A program, not a test; from the repository root, with the job's
 * test class path (model/bench/README.md):
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE java -cp ... dev.sparkgen.model.bench.PrefillCost bench-out/models/gpt2
 * </pre>
 *
 * <p>Argument: the model folder.
 */
public final class PrefillCost {
  public static void main(String[] args) {
    DjlEnvironment.setThreads(1);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    SplittableRandom r = new SplittableRandom(1);
    try (CausalLm lm = CausalLm.load(Path.of(args[0]).toAbsolutePath())) {
      for (int rep = 0; rep < 3; rep++) {
        for (int[] shape : new int[][] {{32, 96}, {32, 32}, {8, 96}, {1, 96}, {1, 32}, {1, 8}}) {
          List<int[]> prompts = new ArrayList<>();
          for (int i = 0; i < shape[0]; i++) {
            int[] p = new int[shape[1]];
            for (int t = 0; t < p.length; t++) {
              p[t] = r.nextInt(lm.vocabSize());
            }
            prompts.add(p);
          }
          long t0 = mx.getCurrentThreadCpuTime();
          long open;
          long pre;
          try (DecodeBatch b = lm.open(prompts, 128)) {
            open = mx.getCurrentThreadCpuTime();
            b.prefill();
            pre = mx.getCurrentThreadCpuTime();
          }
          long closed = mx.getCurrentThreadCpuTime();
          int tokens = shape[0] * shape[1];
          System.out.printf("static %d x %d: open %.1f ms, prefill %.1f ms (%.2f ms/token, %.1f GFLOP/s at 170 MFLOP/token),"
              + " close %.1f ms%n", shape[0], shape[1], (open - t0) / 1e6, (pre - open) / 1e6, (pre - open) / 1e6 / tokens,
              0.17 * tokens / ((pre - open) / 1e9), (closed - pre) / 1e6);
          if (shape[0] == 1) {
            try (DecodeBatch b = lm.openContinuous(32, 96, 128)) {
              long a0 = mx.getCurrentThreadCpuTime();
              for (int i = 0; i < 8; i++) {
                b.admit(new int[] {i}, prompts.get(0), 0);
              }
              long a1 = mx.getCurrentThreadCpuTime();
              System.out.printf("  continuous admit of %d tokens: %.1f ms each%n", shape[1], (a1 - a0) / 1e6 / 8);
            }
          }
        }
      }
    }
  }
}
