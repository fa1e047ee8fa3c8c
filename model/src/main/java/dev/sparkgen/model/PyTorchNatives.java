package dev.sparkgen.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Lets DJL find the libtorch of the machine it runs on when the natives of several platforms share
 * one jar (the job's spark-submit jar).
 *
 * <p>DJL ({@code ai.djl.util.Platform.detectPlatform}) lists every {@code native/lib/pytorch.properties}
 * on the context class loader and takes the one whose {@code classifier} matches the machine; each
 * {@code pytorch-native-cpu} jar carries one, under that same name. On a plain classpath they are
 * separate jars and all are found; merged into one jar only one would survive, and an ARM machine
 * would find only the x86 one and try to download. So the model jar carries a copy of each
 * platform's file under {@link #COPIES} (the shaded jar drops the colliding originals), and
 * {@link #whileLoading} adds the copies whose platform is not already on the class path while the
 * engine starts.
 */
public final class PyTorchNatives {
  /** Where DJL looks. */
  public static final String DJL_PROPERTIES = "native/lib/pytorch.properties";
  /** The platforms whose natives sparkgen depends on (pytorch-native-cpu classifiers). */
  public static final List<String> PLATFORMS = List.of("linux-x86_64", "linux-aarch64", "osx-aarch64");
  /** The folder of the copies inside the model jar: {@code pytorch-<classifier>.properties}. */
  public static final String COPIES = "dev/sparkgen/model/natives/";

  private PyTorchNatives() {}

  /** Runs {@code start} (which starts DJL's PyTorch engine) with the copies visible to DJL. */
  public static <T> T whileLoading(Supplier<T> start) {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    ClassLoader parent = previous != null ? previous : PyTorchNatives.class.getClassLoader();
    thread.setContextClassLoader(new WithCopies(parent));
    try {
      return start.get();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  /** The {@code classifier} a pytorch.properties file names (e.g. {@code linux-x86_64}). */
  public static String classifier(URL properties) {
    Properties p = new Properties();
    try (InputStream in = properties.openStream()) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + properties, e);
    }
    return p.getProperty("classifier", "");
  }

  /** A class loader that answers DJL's properties lookup with the originals plus the missing copies. */
  static final class WithCopies extends ClassLoader {
    WithCopies(ClassLoader parent) {
      super(parent);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      Enumeration<URL> found = super.getResources(name);
      if (!DJL_PROPERTIES.equals(name)) {
        return found;
      }
      List<URL> urls = Collections.list(found);
      Set<String> present = new HashSet<>();
      for (URL u : urls) {
        present.add(classifier(u));
      }
      List<URL> out = new ArrayList<>(urls);
      for (String platform : PLATFORMS) {
        URL copy = getParent().getResource(COPIES + "pytorch-" + platform + ".properties");
        if (copy != null && !present.contains(platform)) {
          out.add(copy);
        }
      }
      return Collections.enumeration(out);
    }
  }
}
