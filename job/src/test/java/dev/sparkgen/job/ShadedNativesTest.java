package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.PyTorchNatives;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The natives the spark-submit (shaded) jar will hold, worked out without building it: the test
 * class path's jars (the job's runtime dependencies are on it) that job/pom.xml's shade
 * {@code artifactSet} includes, less the entries its {@code filters} exclude. Each of linux-x86_64,
 * linux-aarch64 and osx-aarch64 must have its CPU libtorch (every library its pytorch.properties
 * names), DJL's JNI library, the tokenizers' library and the model jar's copy of its properties;
 * none of the colliding native/lib/pytorch.properties may go in. Prints the list.
 */
class ShadedNativesTest {
  private static final List<String> PLATFORMS = PyTorchNatives.PLATFORMS;

  /** An artifact on the class path: group, artifact id, and where it is (a jar or a classes folder). */
  private record Artifact(String group, String id, Path path) {}

  /** A shade filter: artifact pattern (group:id, '*' wildcards) and its exclude globs. */
  private record Filter(Pattern artifact, List<Pattern> excludes) {}

  @Test
  void theShadedJarCarriesCpuNativesForEveryShippedPlatform() throws Exception {
    Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new File("pom.xml"));
    Element shade = shadeConfiguration(pom);
    List<Pattern> includes = new ArrayList<>();
    for (String s : texts(shade, "artifactSet", "include")) {
      includes.add(glob(s.contains(":") ? s : s + ":*", ":"));
    }
    List<Filter> filters = new ArrayList<>();
    NodeList fs = shade.getElementsByTagName("filter");
    for (int i = 0; i < fs.getLength(); i++) {
      Element f = (Element) fs.item(i);
      String artifact = f.getElementsByTagName("artifact").item(0).getTextContent().trim();
      List<Pattern> excludes = new ArrayList<>();
      NodeList ex = f.getElementsByTagName("exclude");
      for (int j = 0; j < ex.getLength(); j++) {
        excludes.add(glob(ex.item(j).getTextContent().trim(), "/"));
      }
      filters.add(new Filter(glob(artifact.contains(":") ? artifact : artifact + ":*", ":"), excludes));
    }

    Map<String, Long> natives = new TreeMap<>(); // entry -> size, what the shaded jar will hold
    Map<String, Integer> djlProperties = new TreeMap<>();
    for (Artifact a : classPath()) {
      String coordinates = a.group() + ":" + a.id();
      if (includes.stream().noneMatch(p -> p.matcher(coordinates).matches())) {
        continue;
      }
      for (Map.Entry<String, Long> e : entries(a.path()).entrySet()) {
        String name = e.getKey();
        boolean excluded = filters.stream().anyMatch(f -> f.artifact().matcher(coordinates).matches()
            && f.excludes().stream().anyMatch(x -> x.matcher(name).matches()));
        if (excluded) {
          continue;
        }
        if (name.equals(PyTorchNatives.DJL_PROPERTIES)) {
          djlProperties.merge(coordinates, 1, Integer::sum);
        }
        if (name.startsWith("pytorch/") || name.startsWith("jnilib/") || name.startsWith("native/")
            || name.startsWith(PyTorchNatives.COPIES)) {
          natives.put(name, e.getValue());
        }
      }
    }
    natives.forEach((name, size) -> System.out.printf("shaded jar native: %-70s %,12d bytes%n", name, size));

    assertEquals(Map.of(), djlProperties, "colliding native/lib/pytorch.properties would go in");
    for (String platform : PLATFORMS) {
      String copy = PyTorchNatives.COPIES + "pytorch-" + platform + ".properties";
      assertTrue(natives.containsKey(copy), copy);
      Properties p = new Properties();
      try (InputStream in = getClass().getClassLoader().getResourceAsStream(copy)) {
        assertNotNull(in, copy);
        p.load(in);
      }
      for (String lib : p.getProperty("libraries").split(",")) {
        assertTrue(natives.containsKey("pytorch/cpu/" + platform + "/" + lib), platform + ": libtorch " + lib);
      }
      String ext = platform.startsWith("osx") ? ".dylib" : ".so";
      assertTrue(natives.containsKey("jnilib/" + platform + "/cpu/libdjl_torch" + ext), platform + ": DJL JNI");
      assertTrue(natives.containsKey("native/lib/" + platform + "/cpu/libtokenizers" + ext), platform + ": tokenizers");
    }
    assertFalse(natives.keySet().stream().anyMatch(n -> n.contains("/win-") || n.matches("jnilib/[^/]+/cu.*")),
        "no Windows or CUDA natives: " + natives.keySet());
  }

  private static Element shadeConfiguration(Document pom) {
    NodeList plugins = pom.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element p = (Element) plugins.item(i);
      if (p.getElementsByTagName("artifactId").item(0).getTextContent().trim().equals("maven-shade-plugin")) {
        return (Element) p.getElementsByTagName("configuration").item(0);
      }
    }
    throw new AssertionError("job/pom.xml has no maven-shade-plugin");
  }

  private static List<String> texts(Element root, String parent, String tag) {
    List<String> out = new ArrayList<>();
    Element p = (Element) root.getElementsByTagName(parent).item(0);
    NodeList n = p.getElementsByTagName(tag);
    for (int i = 0; i < n.getLength(); i++) {
      out.add(n.item(i).getTextContent().trim());
    }
    return out;
  }

  /** Ant-style glob (as the shade plugin matches): '**' any path, '*' within one segment. */
  private static Pattern glob(String glob, String separator) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^").append(Pattern.quote(separator)).append("]*");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }

  /** The test class path (surefire's, which holds the runtime dependencies) as artifacts. */
  private static List<Artifact> classPath() {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<Artifact> out = new ArrayList<>();
    for (String entry : cp.split(File.pathSeparator)) {
      Path p = Path.of(entry).toAbsolutePath().normalize();
      if (Files.isDirectory(p) && p.endsWith(Path.of("target", "classes"))) { // a reactor module
        String module = p.getParent().getParent().getFileName().toString();
        out.add(new Artifact("dev.sparkgen", "sparkgen-" + module, p));
      } else if (p.toString().endsWith(".jar") && p.getNameCount() >= 4) {
        String id = p.getParent().getParent().getFileName().toString();
        Path groupDir = p.getParent().getParent().getParent();
        int repo = -1;
        for (int i = 0; i < groupDir.getNameCount(); i++) {
          if (groupDir.getName(i).toString().equals("repository")) {
            repo = i;
          }
        }
        if (repo < 0) {
          out.add(new Artifact("dev.sparkgen", p.getFileName().toString().replaceAll("-\\d.*", ""), p)); // a module jar
        } else {
          String group = groupDir.subpath(repo + 1, groupDir.getNameCount()).toString().replace(File.separatorChar, '.');
          out.add(new Artifact(group, id, p));
        }
      }
    }
    return out;
  }

  private static Map<String, Long> entries(Path path) throws IOException {
    Map<String, Long> out = new TreeMap<>();
    if (Files.isDirectory(path)) {
      try (Stream<Path> files = Files.walk(path)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          out.put(path.relativize(f).toString().replace(File.separatorChar, '/'), Files.size(f));
        }
      }
      return out;
    }
    try (ZipFile zip = new ZipFile(path.toFile())) {
      Enumeration<? extends ZipEntry> e = zip.entries();
      while (e.hasMoreElements()) {
        ZipEntry z = e.nextElement();
        if (!z.isDirectory()) {
          out.put(z.getName(), z.getSize());
        }
      }
    }
    return out;
  }
}
