package dev.sparkgen.model.generate.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.logits.LogitsPipeline;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * For the benchmarks: the CPU time of choosing one decode step's tokens for a batch, on the host
 * (copy the [rows, V] logits, then {@link TokenChoice#onHost} per row) and on the device
 * ({@link DeviceSampling#pick}), alternating, on the same logits. Not a test.
 */
public final class ChoosingCost {
  private ChoosingCost() {}

  /** CPU milliseconds of the calling thread per run: [0] host, [1] device; {@code rows} hold 32-token prompts plus {@code generated} tokens. */
  public static double[][] measure(NDArray logits, GenerationConfig config, int generated, int runs) {
    int n = Math.toIntExact(logits.getShape().get(0));
    int vocab = Math.toIntExact(logits.getShape().get(1));
    LogitsPipeline pipeline = LogitsPipeline.forConfig(config);
    TokenSelector selector = config.doSample() ? TokenSelector.SAMPLING : TokenSelector.GREEDY;
    SplittableRandom random = new SplittableRandom(5);
    List<DecodeRow> rows = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      DecodeRow row = new DecodeRow(r, 0, random.ints(32, 0, vocab).toArray(), null, new SplittableRandom(r)::nextDouble,
          null);
      for (int t = 0; t < generated; t++) {
        row.append(random.nextInt(vocab), 0f);
      }
      rows.add(row);
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double[][] out = new double[2][runs];
    DeviceSampling device = new DeviceSampling(pipeline, selector);
    for (int run = -2; run < runs; run++) {
      long t0 = threads.getCurrentThreadCpuTime();
      float[] flat = logits.toFloatArray();
      for (int r = 0; r < n; r++) {
        float[] row = new float[vocab];
        System.arraycopy(flat, r * vocab, row, 0, vocab);
        TokenChoice.onHost(row, rows.get(r).history, pipeline, selector, rows.get(r).uniforms);
      }
      long t1 = threads.getCurrentThreadCpuTime();
      try (NDScope ignored = new NDScope()) {
        device.pick(logits, rows);
      }
      long t2 = threads.getCurrentThreadCpuTime();
      if (run >= 0) {
        out[0][run] = (t1 - t0) / 1e6;
        out[1][run] = (t2 - t1) / 1e6;
      }
    }
    return out;
  }
}
