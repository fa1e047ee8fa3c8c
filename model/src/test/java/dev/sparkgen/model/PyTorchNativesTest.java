package dev.sparkgen.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.util.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * libtorch for every platform sparkgen ships (linux-x86_64, linux-aarch64, osx-aarch64): each
 * pytorch-native-cpu jar is on the class path, the model jar's copies of their properties equal the
 * originals, and DJL still finds this machine's platform when the originals are gone (one merged jar).
 */
class PyTorchNativesTest {

  private static Properties load(URL url) throws IOException {
    Properties p = new Properties();
    try (InputStream in = url.openStream()) {
      p.load(in);
    }
    return p;
  }

  @Test
  void everyShippedPlatformIsOnTheClassPathAndItsCopyMatchesTheOriginal() throws Exception {
    Map<String, Properties> originals = new TreeMap<>();
    for (URL u : Collections.list(getClass().getClassLoader().getResources(PyTorchNatives.DJL_PROPERTIES))) {
      originals.put(PyTorchNatives.classifier(u), load(u));
    }
    assertEquals(new java.util.TreeSet<>(PyTorchNatives.PLATFORMS), originals.keySet());
    for (String platform : PyTorchNatives.PLATFORMS) {
      URL copy = getClass().getClassLoader().getResource(PyTorchNatives.COPIES + "pytorch-" + platform + ".properties");
      assertNotNull(copy, platform);
      assertEquals(originals.get(platform), load(copy), platform);
      // the libraries it names are in the jar, where DJL extracts them from
      for (String lib : originals.get(platform).getProperty("libraries").split(",")) {
        assertNotNull(getClass().getClassLoader().getResource("pytorch/cpu/" + platform + "/" + lib), platform + " " + lib);
      }
    }
  }

  @Test
  void djlFindsThisMachinesPlatformFromTheCopiesAloneAsInTheShadedJar() throws Exception {
    ClassLoader merged = new ClassLoader(getClass().getClassLoader()) { // a jar without the originals
      @Override
      public Enumeration<URL> getResources(String name) throws IOException {
        return PyTorchNatives.DJL_PROPERTIES.equals(name) ? Collections.emptyEnumeration() : super.getResources(name);
      }

      @Override
      public URL getResource(String name) {
        return PyTorchNatives.DJL_PROPERTIES.equals(name) ? null : super.getResource(name);
      }
    };
    Thread t = Thread.currentThread();
    ClassLoader before = t.getContextClassLoader();
    t.setContextClassLoader(merged);
    try {
      List<String> seen = new ArrayList<>();
      Platform found = PyTorchNatives.whileLoading(() -> {
        try {
          for (URL u : Collections.list(t.getContextClassLoader().getResources(PyTorchNatives.DJL_PROPERTIES))) {
            seen.add(PyTorchNatives.classifier(u));
          }
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return Platform.detectPlatform("pytorch");
      });
      assertEquals(PyTorchNatives.PLATFORMS, seen); // only the copies, one per platform
      Platform system = Platform.fromSystem("pytorch");
      String machine = system.getOsPrefix() + "-" + system.getOsArch();
      assertEquals(machine, found.getClassifier());
      assertEquals("cpu", found.getFlavor());
      assertTrue(found.getVersion().startsWith("2.7.1"), found.getVersion());
      URL copy = getClass().getClassLoader().getResource(PyTorchNatives.COPIES + "pytorch-" + machine + ".properties");
      assertArrayEquals(load(copy).getProperty("libraries").split(","), found.getLibraries());
      assertEquals(merged, t.getContextClassLoader()); // restored
    } finally {
      t.setContextClassLoader(before);
    }
  }
}
