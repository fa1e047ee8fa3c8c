package dev.sparkgen.job;

import java.net.URISyntaxException;
import java.net.URL;
import java.util.List;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * The command line's console logging: quiet unless the user configured log4j2. Spark logs at INFO
 * by default (a spark-submit run printed hundreds of lines for 20 prompts); sparkgen's own file,
 * {@link #CONFIG}, keeps Spark and DJL at WARN, DJL's GPU probe at ERROR and sparkgen's progress
 * (one line per partition) at INFO.
 *
 * <p>Configured means: the system property {@code log4j2.configurationFile} (or log4j 1's
 * {@code log4j.configurationFile}) is set, or a {@code log4j2*.properties|xml|yaml|yml|json} file is on
 * the class path (Spark's {@code conf/} folder is, under spark-submit). The file is applied as a
 * whole configuration, so Spark, which loads its INFO defaults only over log4j's built-in one,
 * leaves it in place when its context starts.
 */
public final class ConsoleLogging {
  /** sparkgen's console configuration, a class-path resource of the job jar. */
  static final String CONFIG = "dev/sparkgen/job/log4j2-console.properties";

  private static final List<String> USER_FILES = List.of("log4j2-test.properties", "log4j2-test.xml",
      "log4j2-test.yaml", "log4j2-test.yml", "log4j2-test.json", "log4j2.properties", "log4j2.xml", "log4j2.yaml",
      "log4j2.yml", "log4j2.json");

  private ConsoleLogging() {}

  /** Whether the user chose a log4j2 configuration (then sparkgen does not touch it). */
  static boolean userConfigured(ClassLoader loader) {
    if (System.getProperty("log4j2.configurationFile") != null || System.getProperty("log4j.configurationFile") != null) {
      return true;
    }
    return USER_FILES.stream().anyMatch(f -> loader.getResource(f) != null);
  }

  /** Applies {@link #CONFIG} unless the user configured logging; returns whether it did. */
  public static boolean quiet() {
    ClassLoader loader = ConsoleLogging.class.getClassLoader();
    URL config = loader.getResource(CONFIG);
    if (userConfigured(loader) || config == null) {
      return false;
    }
    try {
      Configurator.reconfigure(config.toURI());
      return true;
    } catch (URISyntaxException | RuntimeException | LinkageError e) { // no log4j-core: logging is not ours to set
      return false;
    }
  }
}
