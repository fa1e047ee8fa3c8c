package dev.sparkgen.model.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;

/**
 * What the hardware allows through DJL at the current libtorch thread count: fp32 GEMM GFLOP/s
 * (the same {@code Linear.linear} call with an [out, in] weight that the model makes) and memory
 * bandwidth (a read-only reduction and a copy of a large tensor).
 */
final class Ceiling {
  private Ceiling() {}

  /**
   * GFLOP/s of {@code x[m, k] · w[n, k]^T}, one value per run; each run repeats the product until
   * at least {@code minSeconds} have passed.
   */
  static double[] gemm(int m, int k, int n, int runs, double minSeconds) {
    try (NDManager mgr = DjlEnvironment.engine().newBaseManager()) {
      NDArray x = mgr.randomNormal(new Shape(m, k));
      NDArray w = mgr.randomNormal(new Shape(n, k));
      double flop = 2.0 * m * k * n;
      double[] out = new double[runs];
      for (int r = -1; r < runs; r++) { // r = -1 warms up
        long t0 = System.nanoTime();
        int reps = 0;
        do {
          try (NDManager step = mgr.newSubManager()) {
            NDArray y = Linear.linear(x, w).singletonOrThrow();
            y.attach(step);
          }
          reps++;
        } while (System.nanoTime() - t0 < minSeconds * 1e9);
        if (r >= 0) {
          out[r] = flop * reps / ((System.nanoTime() - t0) / 1e9) / 1e9;
        }
      }
      return out;
    }
  }

  /**
   * The GEMM ceiling at this model's own shapes: every projection of one decode step as
   * {@code [m, in] · [in, out]} (median GFLOP/s of each distinct shape), combined as the rate at
   * which a step's matmul FLOPs would run if each GEMM ran at its measured speed.
   */
  static double modelShapes(ModelConfig c, int m, int runs) {
    long d = c.hiddenSize();
    long ff = c.intermediateSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    long[][] shapes = c.family() == ModelFamily.GPT2
        ? new long[][] {{d, 3 * d}, {d, d}, {d, ff}, {ff, d}}
        : new long[][] {{d, q + 2 * kv}, {q, d}, {d, 2 * ff}, {ff, d}};
    double flops = 0;
    double seconds = 0;
    for (long[] s : shapes) {
      double f = 2.0 * m * s[0] * s[1] * c.numLayers();
      flops += f;
      seconds += f / (Spread.of(gemm(m, (int) s[0], (int) s[1], runs, 0.2)).median() * 1e9);
    }
    double head = 2.0 * m * d * c.vocabSize();
    flops += head;
    seconds += head / (Spread.of(gemm(m, (int) d, c.vocabSize(), runs, 0.2)).median() * 1e9);
    return flops / seconds / 1e9;
  }

  /**
   * GB/s of weight reads in a matrix-vector product over a weight of {@code megabytes}:
   * {@code x[1, 4096] · w[n, 4096]^T}, the access pattern of a batch-1 decode step (every weight
   * read once, from DRAM since it is far larger than the caches). One value per run.
   */
  static double[] gemvBandwidth(int megabytes, int runs) {
    try (NDManager mgr = DjlEnvironment.engine().newBaseManager()) {
      int k = 4096;
      int n = (int) (((long) megabytes << 20) / 4 / k);
      NDArray x = mgr.randomNormal(new Shape(1, k));
      NDArray w = mgr.ones(new Shape(n, k), DataType.FLOAT32);
      double[] out = new double[runs];
      for (int r = -1; r < runs; r++) {
        long t0 = System.nanoTime();
        try (NDManager step = mgr.newSubManager()) {
          NDArray y = Linear.linear(x, w).singletonOrThrow();
          y.attach(step);
          y.getFloat(0, 0);
        }
        if (r >= 0) {
          out[r] = 4.0 * n * k / ((System.nanoTime() - t0) / 1e9) / 1e9;
        }
      }
      return out;
    }
  }

  /**
   * GB/s reading a tensor of {@code megabytes} (sum over all elements: every byte is read once,
   * nothing written), one value per run. This is the bound that weight streaming at batch 1 meets.
   */
  static double[] readBandwidth(int megabytes, int runs) {
    try (NDManager mgr = DjlEnvironment.engine().newBaseManager()) {
      long n = (long) megabytes << 18; // floats
      NDArray big = mgr.ones(new Shape(n), DataType.FLOAT32);
      double[] out = new double[runs];
      for (int r = -1; r < runs; r++) {
        long t0 = System.nanoTime();
        try (NDManager step = mgr.newSubManager()) {
          NDArray s = big.sum();
          s.attach(step);
          s.getFloat(); // forces completion
        }
        if (r >= 0) {
          out[r] = n * 4.0 / ((System.nanoTime() - t0) / 1e9) / 1e9;
        }
      }
      return out;
    }
  }

  /**
   * GB/s of an in-place update of a tensor of {@code megabytes} ({@code x += 0}: every byte read and
   * written once, no allocation), counting bytes read plus bytes written.
   */
  static double[] updateBandwidth(int megabytes, int runs) {
    try (NDManager mgr = DjlEnvironment.engine().newBaseManager()) {
      long n = (long) megabytes << 18;
      NDArray big = mgr.ones(new Shape(n), DataType.FLOAT32);
      NDArray zero = mgr.create(0f);
      double[] out = new double[runs];
      for (int r = -1; r < runs; r++) {
        long t0 = System.nanoTime();
        big.addi(zero);
        if (r >= 0) {
          out[r] = 2 * n * 4.0 / ((System.nanoTime() - t0) / 1e9) / 1e9;
        }
      }
      return out;
    }
  }
}
