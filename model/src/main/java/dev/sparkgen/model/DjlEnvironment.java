package dev.sparkgen.model;

import ai.djl.engine.Engine;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place that configures DJL: offline, PyTorch engine, no usage tracking, thread counts,
 * libtorch's huge pages ({@link TransparentHugePages}).
 *
 * <p>Every entry point (tests, the command line, Spark executors) calls {@link #engine()} before
 * touching an NDArray, so the properties are in force when the engine starts. Values already set
 * on the command line ({@code -Dkey=value}) win.
 */
public final class DjlEnvironment {

  /** System properties DJL reads at engine start; the comment on each says why it is here. */
  public static final Map<String, String> PROPERTIES = properties();

  private DjlEnvironment() {}

  private static Map<String, String> properties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("ai.djl.offline", "true"); // never download natives or models
    p.put("OPT_OUT_TRACKING", "true"); // no start-up probe of a cloud metadata address
    p.put("ai.djl.default_engine", "PyTorch"); // the only engine on the classpath; never probe for others
    p.put("ai.djl.pytorch.num_threads", "1"); // one intra-op thread per Spark task slot
    p.put("ai.djl.pytorch.num_interop_threads", "1");
    return Map.copyOf(p);
  }

  /**
   * Applies the properties (unless already set), turns on libtorch's transparent huge pages
   * ({@link TransparentHugePages}: before its first allocation) and returns the started PyTorch engine.
   */
  public static synchronized Engine engine() {
    apply();
    TransparentHugePages.enable();
    return PyTorchNatives.whileLoading(() -> Engine.getEngine("PyTorch")); // finds this platform's libtorch
  }

  /** Sets each property that is not already set; idempotent. */
  public static synchronized void apply() {
    PROPERTIES.forEach(
        (k, v) -> {
          if (System.getProperty(k) == null) {
            System.setProperty(k, v);
          }
        });
  }

  /** The properties as {@code -Dk=v} flags, for JVMs that Spark launches (executors). */
  public static String javaOptions() {
    StringBuilder sb = new StringBuilder();
    PROPERTIES.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append("-D").append(k).append('=').append(v));
    return sb.toString();
  }

  /** Sets libtorch's intra-op thread count for the calling process. */
  public static void setThreads(int threads) {
    engine();
    ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
  }
}
