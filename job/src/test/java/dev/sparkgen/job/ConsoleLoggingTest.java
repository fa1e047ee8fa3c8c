package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URL;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The command line's console logging: quiet levels by default, the user's configuration respected. */
class ConsoleLoggingTest {

  @Test
  void theConsoleConfigurationKeepsSparkAndDjlQuietAndSparkgensProgressVisible() throws Exception {
    Properties p = new Properties();
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(ConsoleLogging.CONFIG)) {
      assertNotNull(in, ConsoleLogging.CONFIG);
      p.load(in);
    }
    assertEquals("warn", p.getProperty("rootLogger.level"));
    assertEquals("SYSTEM_ERR", p.getProperty("appender.console.target"));
    assertEquals(level(p, "dev.sparkgen"), "info"); // one line per partition
    assertEquals(level(p, "ai.djl.util.cuda.CudaUtils"), "error"); // "Failed to detect GPU count"
    assertEquals(level(p, "org.apache.hadoop.util.NativeCodeLoader"), "error");
  }

  @Test
  void aUserConfigurationIsLeftAlone() {
    // The tests' own log4j2-test.properties is on the class path: configured by the user.
    assertTrue(ConsoleLogging.userConfigured(getClass().getClassLoader()));
    assertFalse(ConsoleLogging.quiet());
    ClassLoader bare = new ClassLoader(null) {
      @Override
      public URL getResource(String name) {
        return null;
      }
    };
    String before = System.getProperty("log4j2.configurationFile");
    if (before == null) {
      assertFalse(ConsoleLogging.userConfigured(bare));
      System.setProperty("log4j2.configurationFile", "/somewhere/log4j2.xml");
      try {
        assertTrue(ConsoleLogging.userConfigured(bare));
      } finally {
        System.clearProperty("log4j2.configurationFile");
      }
    }
  }

  private static String level(Properties p, String logger) {
    for (String k : p.stringPropertyNames()) {
      if (k.endsWith(".name") && p.getProperty(k).equals(logger)) {
        return p.getProperty(k.substring(0, k.length() - ".name".length()) + ".level");
      }
    }
    return null;
  }
}
