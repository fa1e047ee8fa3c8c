package dev.sparkgen.job;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's local Spark session, as a JUnit 5 extension: built before the class's first test
 * (and before its own {@code @BeforeAll} methods, which may use it), stopped after its last test.
 * Register it on a static field:
 *
 * <pre>
 * &#64;RegisterExtension static final LocalSpark spark = new LocalSpark("local[2]");
 * ... spark.session() ...
 * </pre>
 *
 * <p>Every session stays on this machine ({@link #builder}: driver and block manager on 127.0.0.1,
 * no web UI) and has 2 shuffle partitions; a test adds what it needs with {@link #config}.
 */
final class LocalSpark implements BeforeAllCallback, AfterAllCallback {
  private final String master;
  private final Map<String, String> config;
  private SparkSession session;

  /** A session on {@code master}: {@code local[N]}, or {@code local[N,F]} for up to F attempts per task. */
  LocalSpark(String master) {
    this(master, Map.of());
  }

  private LocalSpark(String master, Map<String, String> config) {
    this.master = master;
    this.config = Map.copyOf(config);
  }

  /** The same session with one more Spark setting. */
  LocalSpark config(String key, String value) {
    Map<String, String> more = new LinkedHashMap<>(config);
    more.put(key, value);
    return new LocalSpark(master, more);
  }

  /**
   * The loopback-only settings every test session has (also for masters this extension does not
   * start, such as {@code local-cluster}).
   */
  static SparkSession.Builder builder(String master) {
    return SparkSession.builder()
        .master(master)
        .appName("sparkgen-test")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2");
  }

  /** The running session; only between the class's first and last test. */
  SparkSession session() {
    if (session == null) {
      throw new IllegalStateException("no session: register LocalSpark on a static @RegisterExtension field");
    }
    return session;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    SparkSession.Builder b = builder(master);
    config.forEach(b::config);
    session = b.getOrCreate();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (session != null) {
      session.stop();
      session = null;
    }
  }
}
