package dev.sparkgen.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Utils;
import com.sun.jna.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The engine is PyTorch 2.7.1, offline, running the libtorch bundled in pytorch-native-cpu (nothing downloaded). */
class DjlEnvironmentTest {

  @Test
  void engineIsPyTorch271InOfflineMode() {
    Engine engine = DjlEnvironment.engine();
    assertEquals("PyTorch", engine.getEngineName());
    assertEquals("2.7.1", engine.getVersion());
    assertEquals("true", System.getProperty("ai.djl.offline"));
    assertTrue(Utils.isOfflineMode(), "DJL's own offline flag");
    assertEquals("PyTorch", Engine.getDefaultEngineName());
  }

  @Test
  void libtorchIsTheOneBundledInPytorchNativeCpu() throws IOException {
    DjlEnvironment.engine();
    // The bundled jar describes itself in native/lib/pytorch.properties (version with build date).
    URL props = getClass().getClassLoader().getResource("native/lib/pytorch.properties");
    assertNotNull(props, "pytorch-native-cpu is not on the classpath");
    assertTrue(props.toString().contains("pytorch-native-cpu-2.7.1-linux-x86_64.jar"), props.toString());
    Properties p = new Properties();
    try (InputStream in = props.openStream()) {
      p.load(in);
    }
    // DJL copies classpath natives to <cache>/pytorch/<version>-<flavor>-<classifier>; a download
    // would be named after the engine's version alone.
    Path expected = Utils.getEngineCacheDir("pytorch")
        .resolve(p.getProperty("version") + "-" + p.getProperty("flavor") + "-" + p.getProperty("classifier"));
    Path loaded = Path.of(LibUtils.getLibtorchPath());
    assertEquals(expected.toAbsolutePath().normalize(), loaded.toAbsolutePath().normalize());
    assertTrue(p.getProperty("version").startsWith("2.7.1-"), p.getProperty("version"));
    // The extracted libtorch_cpu.so is byte-for-byte the size of the jar's entry.
    URLConnection entry = getClass().getClassLoader()
        .getResource("pytorch/cpu/linux-x86_64/libtorch_cpu.so").openConnection();
    assertEquals(entry.getContentLengthLong(), Files.size(loaded.resolve("libtorch_cpu.so")));
  }

  @Test
  void setThreadsChangesLibtorchIntraOpThreads() {
    int before = JniUtils.getNumThreads();
    try {
      DjlEnvironment.setThreads(2);
      assertEquals(2, JniUtils.getNumThreads());
      DjlEnvironment.setThreads(1);
      assertEquals(1, JniUtils.getNumThreads());
    } finally {
      DjlEnvironment.setThreads(before);
    }
  }

  @Test
  void libtorchIsToldToPutLargeTensorsOnHugePagesUnlessTheEnvironmentSaysOtherwise() {
    DjlEnvironment.engine();
    assumeTrue(Platform.isLinux(), "THP_MEM_ALLOC_ENABLE is read on Linux only");
    String inherited = System.getenv(TransparentHugePages.VARIABLE); // the JVM's start-up environment
    assertEquals(inherited != null ? inherited : "1", TransparentHugePages.value());
    assertEquals(TransparentHugePages.value(), TransparentHugePages.enable(), "idempotent");
  }
}
