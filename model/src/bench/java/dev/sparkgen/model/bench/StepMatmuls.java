package dev.sparkgen.model.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The matmuls of one decode step of a model at batch {@code m}, each run alone: every layer's
 * projections as {@code Linear.linear(x[m, in], w[out, in])} with its own weight (so reads come
 * from memory as in the model) and the output head. CPU time of the calling thread (libtorch runs
 * one intra-op thread, the caller), which other jobs on a shared machine disturb less than wall
 * time.
 */
final class StepMatmuls {
  private StepMatmuls() {}

  /** CPU milliseconds of one step's matmuls (median of 3 passes after a warm-up). */
  static double cpuMs(ModelConfig c, int m) {
    long d = c.hiddenSize();
    long ff = c.intermediateSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    long[][] shapes = c.family() == ModelFamily.GPT2
        ? new long[][] {{d, 3 * d}, {d, d}, {d, ff}, {ff, d}}
        : new long[][] {{d, q + 2 * kv}, {q, d}, {d, 2 * ff}, {ff, d}};
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (NDManager mgr = DjlEnvironment.engine().newBaseManager()) {
      NDArray[][] weights = new NDArray[c.numLayers()][shapes.length];
      NDArray[] inputs = new NDArray[shapes.length];
      for (int s = 0; s < shapes.length; s++) {
        inputs[s] = mgr.randomNormal(new Shape(m, shapes[s][0]));
        for (int l = 0; l < c.numLayers(); l++) {
          weights[l][s] = mgr.randomNormal(new Shape(shapes[s][1], shapes[s][0]));
        }
      }
      NDArray x = mgr.randomNormal(new Shape(m, d));
      NDArray head = mgr.randomNormal(new Shape(c.vocabSize(), d));
      double[] ms = new double[3];
      for (int pass = -1; pass < ms.length; pass++) {
        long t0 = threads.getCurrentThreadCpuTime();
        for (int l = 0; l < c.numLayers(); l++) {
          for (int s = 0; s < shapes.length; s++) {
            Linear.linear(inputs[s], weights[l][s]).singletonOrThrow().close();
          }
        }
        Linear.linear(x, head).singletonOrThrow().close();
        if (pass >= 0) {
          ms[pass] = (threads.getCurrentThreadCpuTime() - t0) / 1e6;
        }
      }
      return Spread.of(ms).median();
    }
  }
}
