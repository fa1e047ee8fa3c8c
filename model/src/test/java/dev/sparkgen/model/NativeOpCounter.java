package dev.sparkgen.model;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.lang.reflect.Field;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the NDArrays (and sub-managers) attached to a model's managers: every libtorch result
 * DJL wraps is attached to the manager of its first input, so the count over the model's manager
 * tree is the number of native calls that produced a tensor. Calls that produce none (in-place
 * writes, {@code toFloatArray}) are not seen, so this is a lower bound on JNI calls. Benchmark
 * instrumentation only: it swaps each manager's private resource map for a counting one.
 */
public final class NativeOpCounter {
  private static final Field RESOURCES = resourcesField();
  private final AtomicLong count = new AtomicLong();

  private NativeOpCounter() {}

  /** Installs counting on {@code lm}'s manager and every manager below it (open batches included). */
  public static NativeOpCounter install(CausalLm lm) {
    NativeOpCounter c = new NativeOpCounter();
    c.hook(lm.manager());
    return c;
  }

  /** Tensors created since install (or the last reset). */
  public long count() {
    return count.get();
  }

  /** Starts counting from zero. */
  public void reset() {
    count.set(0);
  }

  @SuppressWarnings("unchecked")
  private void hook(NDManager m) {
    try {
      ConcurrentHashMap<String, AutoCloseable> old = (ConcurrentHashMap<String, AutoCloseable>) RESOURCES.get(m);
      Counting counting = new Counting(count); // also replaces an earlier counter's map
      counting.putAllQuietly(old);
      RESOURCES.set(m, counting);
      for (AutoCloseable r : old.values()) {
        if (r instanceof NDManager sub) {
          hook(sub);
        }
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot instrument DJL's manager", e);
    }
  }

  private static Field resourcesField() {
    try {
      Field f = BaseNDManager.class.getDeclaredField("resources");
      f.setAccessible(true);
      return f;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException("DJL's BaseNDManager has no resources field", e);
    }
  }

  /** A resource map that counts insertions (put or compute). */
  private static final class Counting extends ConcurrentHashMap<String, AutoCloseable> {
    private static final long serialVersionUID = 1L;
    private final transient AtomicLong count;
    private transient boolean quiet;

    Counting(AtomicLong count) {
      this.count = count;
    }

    void putAllQuietly(ConcurrentHashMap<String, AutoCloseable> from) {
      quiet = true;
      putAll(from);
      quiet = false;
    }

    @Override
    public AutoCloseable compute(String key,
        java.util.function.BiFunction<? super String, ? super AutoCloseable, ? extends AutoCloseable> f) {
      count.incrementAndGet(); // BaseNDManager.attachUncappedInternal attaches with compute
      return super.compute(key, f);
    }

    @Override
    public AutoCloseable put(String key, AutoCloseable value) {
      if (!quiet) {
        count.incrementAndGet();
      }
      return super.put(key, value);
    }
  }
}
