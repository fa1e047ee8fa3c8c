package dev.sparkgen.job.exec;

import dev.sparkgen.model.weights.ChunkedOutputStream;
import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.WeightsPayload;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.broadcast.Broadcast;
import scala.reflect.ClassTag$;

/**
 * The weights image as one Spark broadcast per chunk, written and read without ever holding the
 * whole image in a JVM heap.
 *
 * <p>Driver ({@link #broadcast}): the image is streamed chunk by chunk; each chunk is broadcast
 * "serialised only" (Spark's {@code broadcastInternal(value, serializedOnly = true)}, SPARK-39983,
 * which Spark uses for its own broadcast joins): the driver keeps the serialised pieces that
 * executors fetch, not the value beside them (except in local mode, where the driver is the
 * executor), and this code drops the chunk once it is broadcast.
 *
 * <p>Executor ({@link #fetch}, {@link #dropLocalCopy}): a chunk is read through a fresh copy of
 * its handle (TorrentBroadcast keeps the value it read behind a SoftReference in the handle, and the
 * task's handle lives until the task ends; the copy's dies with the copy), and right after, the
 * executor's BlockManager drops the chunk's value and pieces, telling the master
 * ({@code removeBroadcast(id, tellMaster = true)}), so the master stops listing this executor as a
 * source and the loader's reference is the only one left. The driver keeps its pieces until the run is closed, so an executor that starts later
 * (e.g. one replacing a lost executor) still fetches every chunk from the driver.
 */
public final class BroadcastChunks {
  /**
   * Chunk size: 16 MiB, four of Spark's 4 MiB broadcast pieces ({@code spark.broadcast.blockSize}).
   * An executor's heap holds a chunk twice while reading it (the received pieces and the value
   * deserialised from them) and up to {@code FetchedChunkSource}'s 4 chunks after; with 64 MiB
   * chunks that working set and the garbage it leaves made the executor JVM grow its heap about
   * 0.7 GB beyond what {@code weights_distribution=files} needs (model/bench/README.md, "Real sizes").
   */
  public static final int CHUNK_BYTES = 16 << 20;

  private BroadcastChunks() {}

  /** The broadcast chunks of {@code checkpoint}'s image, and its sha256 (checked by the caller). */
  public record Shipped(List<Broadcast<byte[]>> chunks, int chunkBytes, long bytes, String sha256) {}

  /** Streams {@code checkpoint}'s float32 image into one broadcast per {@code chunkBytes} chunk. */
  public static Shipped broadcast(SparkContext sc, Checkpoint checkpoint, int chunkBytes) {
    List<Broadcast<byte[]>> chunks = new ArrayList<>();
    long[] bytes = {0};
    ChunkedOutputStream out = new ChunkedOutputStream(chunkBytes, chunk -> {
      chunks.add(sc.broadcastInternal(chunk, true, ClassTag$.MODULE$.apply(byte[].class)));
      bytes[0] += chunk.length;
    });
    String sha = WeightsPayload.stream(checkpoint, out);
    return new Shipped(List.copyOf(chunks), chunkBytes, bytes[0], sha);
  }

  /** Reads a chunk's bytes (on an executor: from its BlockManager, else from the driver or a peer). */
  public static byte[] fetch(Broadcast<byte[]> chunk) {
    return freshHandle(chunk).value();
  }

  /**
   * Drops this JVM's copies of a chunk on an executor: its value and pieces (telling the master).
   * Does nothing on the driver (local mode).
   */
  public static void dropLocalCopy(Broadcast<byte[]> chunk) {
    SparkEnv env = SparkEnv.get();
    if (env == null) {
      return;
    }
    // Local mode (the driver is the executor): keep everything. The driver's pieces are what
    // executors fetch, and removing the value block there waits for a read lock that the loading
    // task itself holds until it ends (a deadlock seen in SparkGenLocalTest).
    if (!env.blockManager().blockManagerId().isDriver()) {
      env.blockManager().removeBroadcast(chunk.id(), true);
    }
  }

  @SuppressWarnings("unchecked")
  private static Broadcast<byte[]> freshHandle(Broadcast<byte[]> chunk) {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(buf)) {
        out.writeObject(chunk);
      }
      try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(buf.toByteArray()))) {
        return (Broadcast<byte[]>) in.readObject();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
