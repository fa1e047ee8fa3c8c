package dev.sparkgen.job.exec;

import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.apache.spark.SparkContext;
import org.apache.spark.rpc.RpcEnvFileServer;
import org.apache.spark.util.Utils;

/**
 * A model folder's files served to executors by the driver's RPC file server
 * (weights_distribution=file_server): the server that also serves {@code SparkContext.addFile}'s
 * files and {@code addJar}'s jars, used here directly.
 *
 * <p>Driver ({@link #serve}): each file is registered with {@code
 * SparkEnv.rpcEnv().fileServer().addFile(File)}, which serves a registered file by its name under
 * {@code spark://host:port/files/} for as long as it stays registered ({@link #close} unregisters
 * it with {@code removeFile}). That name space is flat and shared with {@code SparkContext.addFile}
 * (a second file of the same name is refused), so each file is registered through a symbolic link
 * with a name unique to this shipment ({@code sparkgen-<uuid>-<name>}, in a temporary folder that
 * Spark deletes when the driver exits); the server resolves the link once, at registration, and
 * serves the file itself. Only these files are served, not the folder ({@code addDirectory} would
 * serve everything under it). Each file is read once here to record its size and sha256, which
 * executors check what they receive against ({@link FetchedFolder}).
 *
 * <p>Not {@code SparkContext.addFile}: Spark refuses local directories outside local mode, and a
 * session's jobs fetch only the files added through that session's artifact state, so executors of
 * a SparkSession's jobs would never receive them. Nothing is broadcast: the bytes travel from the
 * driver's files to the executor's disk through Netty's buffers and never enter a Java heap as a
 * whole (the heap sees 256 KiB at a time), which is what keeps an executor's peak memory to the
 * model's native tensors.
 */
public final class ServedFiles implements AutoCloseable {
  /**
   * One served file.
   *
   * @param name its name in the model folder (config.json, model.safetensors, a shard, ...)
   * @param driverPath where it is on the driver, for messages
   * @param uri where executors fetch it ({@code spark://host:port/files/sparkgen-<uuid>-<name>})
   * @param bytes its size
   * @param sha256 lower-case hex sha256 of its bytes, as read by {@link #serve}
   */
  public record Entry(String name, String driverPath, String uri, long bytes, String sha256) implements Serializable {}

  private final RpcEnvFileServer server;
  private final File links;
  private final List<String> keys = new ArrayList<>();
  private final List<Entry> entries = new ArrayList<>();

  private ServedFiles(RpcEnvFileServer server, File links) {
    this.server = server;
    this.links = links;
  }

  /**
   * Registers {@code files} (all in one folder, as {@code HfFolder.files} lists them) with the
   * driver's file server and digests each.
   *
   * @throws UncheckedIOException when a file cannot be read or linked; nothing stays registered
   */
  public static ServedFiles serve(SparkContext sc, List<Path> files) {
    File links = Utils.createTempDir(System.getProperty("java.io.tmpdir"), "sparkgen-served");
    ServedFiles served = new ServedFiles(sc.env().rpcEnv().fileServer(), links);
    String prefix = "sparkgen-" + UUID.randomUUID() + "-";
    try {
      for (Path f : files) {
        Path real = f.toRealPath();
        Path link = Files.createSymbolicLink(links.toPath().resolve(prefix + f.getFileName()), real);
        String uri = served.server.addFile(link.toFile());
        served.keys.add(link.getFileName().toString());
        Digest d = digest(real);
        served.entries.add(new Entry(f.getFileName().toString(), f.toString(), uri, d.bytes(), d.sha256()));
      }
      return served;
    } catch (IOException e) {
      served.close();
      throw new UncheckedIOException("serving the model's files to the executors: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      served.close();
      throw e;
    }
  }

  /** The served files, in the order given to {@link #serve}. */
  public List<Entry> entries() {
    return List.copyOf(entries);
  }

  /** Stops serving the files (a later fetch fails, naming the file) and deletes the links. */
  @Override
  public void close() {
    for (String key : keys) {
      server.removeFile(key);
    }
    keys.clear();
    Utils.deleteRecursively(links);
  }

  /** A file's size and lower-case hex sha256. */
  record Digest(long bytes, String sha256) {}

  private static Digest digest(Path file) throws IOException {
    MessageDigest md = sha256();
    long n = 0;
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      int r;
      while ((r = in.read(buf)) >= 0) {
        md.update(buf.array(), 0, r);
        n += r;
        buf.clear();
      }
    }
    return new Digest(n, HexFormat.of().formatHex(md.digest()));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every Java platform has SHA-256
    }
  }
}
