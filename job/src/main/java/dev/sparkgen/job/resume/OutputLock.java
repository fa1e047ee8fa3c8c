package dev.sparkgen.job.resume;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.job.error.SetupException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One run at a time on a sliced output: {@code _sparkgen_lock} in the output folder names the run
 * that holds it (host, process id, Spark application id, start time). Two runs resuming one output
 * at once would otherwise each clean up the other's slice in progress ({@link SlicedOutput} removes
 * what its manifest does not name when it opens).
 *
 * <p>The lock is created with {@code overwrite=false} (atomic on HDFS and local file systems) and
 * rewritten every {@link #HEARTBEAT_SECONDS} s while the run lives, so its modification time says
 * whether its owner is alive. A run that died without closing it (SIGKILL, a lost driver) leaves it
 * behind; the next run takes it over when the owner is surely gone: the same host and its process
 * no longer exists, or no heartbeat for {@link #STALE_SECONDS} s (a driver on another host). Any
 * other holder is refused, naming it and the file to delete if the user knows better.
 */
public final class OutputLock implements AutoCloseable {
  /** The lock's file name (Spark's readers skip names starting with '_'). */
  public static final String FILE = "_sparkgen_lock";
  /** Seconds between heartbeats. */
  static final long HEARTBEAT_SECONDS = 10;
  /** A lock without a heartbeat for this long is stale: six missed heartbeats. */
  static final long STALE_SECONDS = 60;

  private final FileSystem fs;
  private final Path file;
  private final String owner;
  private final ScheduledExecutorService heartbeat;

  private OutputLock(FileSystem fs, Path file, String owner) {
    this.fs = fs;
    this.file = file;
    this.owner = owner;
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sparkgen-output-lock");
      t.setDaemon(true);
      return t;
    });
    heartbeat.scheduleWithFixedDelay(this::beat, HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Takes the lock of {@code output} for the run of Spark application {@code appId}.
   *
   * @throws SetupException when another live run holds it, naming that run and the lock file
   */
  public static OutputLock acquire(Configuration hadoop, String output, String appId) {
    Path root = new Path(output);
    try {
      FileSystem fs = root.getFileSystem(hadoop);
      Path file = new Path(root, FILE);
      JsonObject me = new JsonObject();
      me.addProperty("host", host());
      me.addProperty("pid", ProcessHandle.current().pid());
      me.addProperty("app", appId);
      me.addProperty("started", Instant.now().toString());
      String owner = me.toString();
      for (int attempt = 0; attempt < 2; attempt++) {
        try (OutputStream out = fs.create(file, false)) {
          out.write(owner.getBytes(StandardCharsets.UTF_8));
          return new OutputLock(fs, file, owner);
        } catch (FileAlreadyExistsException e) {
          String why = holderGone(fs, file);
          if (why == null) {
            throw new SetupException("mode=resume: output " + output + " is in use by another run (" + holder(fs, file)
                + "); wait for it to end, or, if that run is no longer running, delete " + file);
          }
          org.slf4j.LoggerFactory.getLogger(OutputLock.class).warn("taking over {} from a run that is gone ({}): {}",
              file, why, holder(fs, file));
          fs.delete(file, false);
        }
      }
      throw new SetupException("mode=resume: output " + output + ": another run took " + file + " while this one"
          + " removed a stale lock; run again");
    } catch (IOException e) {
      throw new SetupException("mode=resume: output " + output + ": cannot lock it: " + e.getMessage(), e);
    }
  }

  /** Why the holder of {@code file} is surely gone, or null while it may still run. */
  static String holderGone(FileSystem fs, Path file) throws IOException {
    FileStatus status;
    JsonObject holder;
    try {
      status = fs.getFileStatus(file);
      holder = JsonParser.parseString(read(fs, file)).getAsJsonObject();
    } catch (java.io.FileNotFoundException e) {
      return "its lock is gone";
    } catch (RuntimeException e) { // cut short: a holder dying between create and write
      holder = null;
      status = fs.exists(file) ? fs.getFileStatus(file) : null;
      if (status == null) {
        return "its lock is gone";
      }
    }
    if (holder != null && host().equals(holder.get("host").getAsString())
        && ProcessHandle.of(holder.get("pid").getAsLong()).isEmpty()) {
      return "process " + holder.get("pid").getAsLong() + " on this host has ended";
    }
    long silentMs = System.currentTimeMillis() - status.getModificationTime();
    return silentMs > STALE_SECONDS * 1000 ? "no heartbeat for " + silentMs / 1000 + " s" : null;
  }

  private static String holder(FileSystem fs, Path file) {
    try {
      return read(fs, file);
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  private static String read(FileSystem fs, Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Rewrites the lock (its modification time is the heartbeat), unless another run has taken it. */
  private void beat() {
    try {
      if (owner.equals(read(fs, file))) {
        try (OutputStream out = fs.create(file, true)) {
          out.write(owner.getBytes(StandardCharsets.UTF_8));
        }
      }
    } catch (IOException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(OutputLock.class).warn("heartbeat of {} failed: {}", file, e.toString());
    }
  }

  /** Stops the heartbeat and removes the lock if this run still holds it. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    try {
      if (fs.exists(file) && owner.equals(read(fs, file))) {
        fs.delete(file, false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("mode=resume: releasing " + file + ": " + e.getMessage(), e);
    }
  }
}
