package dev.sparkgen.model.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.cache.KvCache;

/**
 * µs per layer of the KV cache's per-step work at batch 1 (GPT-2-small cache shape: 12 heads,
 * head size 64, 128 slots): one {@link KvCache#write} (two in-place sets), the two views
 * ({@link KvCache#keys}, {@link KvCache#values}), and two {@code [1, 1, 768]} adds as a yardstick
 * of one cheap native call on the same machine at the same moment. Six rounds of 64 steps x 12
 * layers; compare each line's ratios. A program, not a test:
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE mvn -o -q -pl model test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.sparkgen.model.bench.CacheSetCost
 * </pre>
 */
public final class CacheSetCost {
  private CacheSetCost() {}

  public static void main(String[] a) {
    DjlEnvironment.setThreads(1);
    try (NDManager m = DjlEnvironment.engine().newBaseManager()) {
      KvCache c = new KvCache(m, 12, 1, 12, 128, 64);
      NDArray k = m.randomNormal(new Shape(1, 12, 1, 64));
      NDArray v = m.randomNormal(new Shape(1, 12, 1, 64));
      NDArray x = m.randomNormal(new Shape(1, 1, 768));
      for (int rep = 0; rep < 6; rep++) {
        long[] t = new long[4];
        for (int mode = 0; mode < 3; mode++) {
          long t0 = System.nanoTime();
          for (int s = 0; s < 64; s++) {
            try (NDScope sc = new NDScope()) {
              for (int l = 0; l < 12; l++) {
                if (mode == 0) {
                  c.write(l, s, k, v);
                } else if (mode == 1) {
                  c.keys(l, s + 1);
                  c.values(l, s + 1);
                } else {
                  x.add(x);
                  x.add(x);
                }
              }
            }
          }
          t[mode] = System.nanoTime() - t0;
        }
        System.out.printf("write (2 sets) %.1f us; 2 views %.1f us; 2 x.add(x) %.1f us per layer%n",
            t[0] / 1e3 / 768, t[1] / 1e3 / 768, t[2] / 1e3 / 768);
      }
    }
  }
}
