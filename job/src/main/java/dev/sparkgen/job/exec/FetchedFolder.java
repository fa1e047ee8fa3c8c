package dev.sparkgen.job.exec;

import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.CheckpointException;
import dev.sparkgen.model.weights.HfFolder;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.rpc.RpcEnv;
import org.apache.spark.util.Utils;

/**
 * On an executor: a local copy of the model files the driver serves ({@link ServedFiles}), fetched
 * once per JVM and model, opened as the model folder itself would be ({@link HfFolder#open}), and
 * deleted as soon as the checkpoint is closed.
 *
 * <p>Where: one folder per executor JVM, made by Spark's {@code Utils.createExecutorLocalTempDir}
 * under the executor's local directories ({@code spark.local.dir}, {@code SPARK_LOCAL_DIRS}, the
 * worker's per-application directories under standalone, YARN's container directory), which Spark
 * deletes when the JVM exits (a shutdown hook; on YARN the container directory goes with the
 * container even after a hard kill); in it, one folder per model sha256.
 *
 * <p>How long: the {@link ExecutorCache} opens a model's checkpoint once per JVM, copies its
 * weights into native tensors and closes it; the copy is deleted then, so the disk holds a model's
 * files only while it loads, and a JVM never fetches a model twice (a failed load deletes its copy,
 * and the next attempt fetches it again).
 *
 * <p>Why the cache key (the sha256 of the float32 image, computed on the driver) is safe for what
 * is loaded here: each file is streamed from the driver's file server into the local file through a
 * 256 KiB buffer while its sha256 is computed, and is refused unless size and sha256 equal those the
 * driver recorded when it served the files; the driver recorded them from the very files whose
 * image it digested (their size, modification time and file key unchanged from before it opened
 * them to after it served them: {@code driver.ModelFiles}). A file changed on the driver after that,
 * or damaged on the way, fails the load naming the file.
 */
final class FetchedFolder {
  private static File root; // this JVM's folder of model copies, made on first use

  private FetchedFolder() {}

  /**
   * Fetches {@code files} into this JVM's copy of model {@code sha256} and opens it; closing the
   * checkpoint deletes the copy.
   *
   * @throws CheckpointException naming the file that could not be fetched, or arrived different
   */
  static synchronized Checkpoint open(List<ServedFiles.Entry> files, String sha256) {
    SparkEnv env = SparkEnv.get();
    File dir = copyOf(sha256);
    Utils.deleteRecursively(dir); // a failed earlier attempt's files
    if (!dir.mkdirs()) {
      throw new CheckpointException(dir + ": cannot create the folder for the model's files on this executor");
    }
    try {
      for (ServedFiles.Entry f : files) {
        fetch(env.rpcEnv(), f, dir.toPath().resolve(f.name()));
      }
      Checkpoint c = HfFolder.open(dir.toPath());
      AutoCloseable deleteCopy = () -> Utils.deleteRecursively(dir); // the weights are in native tensors now
      return new Checkpoint(c.config(), c.tensors(), dir.toString(), List.of(c, deleteCopy));
    } catch (RuntimeException e) {
      Utils.deleteRecursively(dir);
      throw e;
    }
  }

  /** This JVM's folder for the copy of model {@code sha256} (made with its parent on first use, not itself). */
  static synchronized File copyOf(String sha256) {
    if (root == null) {
      root = Utils.createExecutorLocalTempDir(SparkEnv.get().conf(), "sparkgen-models");
    }
    return new File(root, sha256);
  }

  /** Streams one served file into {@code target}, checking its size and sha256. */
  private static void fetch(RpcEnv rpc, ServedFiles.Entry f, Path target) {
    String what = "model file " + f.name() + " (" + f.driverPath() + " on the driver, served as " + f.uri() + ")";
    MessageDigest md = ServedFiles.sha256();
    long n = 0;
    try (ReadableByteChannel in = rpc.openChannel(f.uri());
        FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.allocate(256 << 10);
      while (in.read(buf) >= 0) {
        buf.flip();
        md.update(buf.array(), 0, buf.limit());
        n += buf.limit();
        while (buf.hasRemaining()) {
          out.write(buf);
        }
        buf.clear();
      }
    } catch (Exception e) { // IOException, or the stream's failure as Spark reports it
      // A file the driver no longer serves arrives as "Stream '/files/...' was not found."
      throw new CheckpointException(what + ": cannot fetch it into " + target + ": " + e.getMessage()
          + " (the driver serves a model's files until its shipment is closed)", e);
    }
    String sha = HexFormat.of().formatHex(md.digest());
    if (n != f.bytes() || !sha.equals(f.sha256())) {
      throw new CheckpointException(what + ": received " + n + " bytes with sha256 " + sha + ", but it had " + f.bytes()
          + " bytes with sha256 " + f.sha256() + " when the driver began serving it: the file changed on the driver after"
          + " the model was shipped");
    }
  }
}
