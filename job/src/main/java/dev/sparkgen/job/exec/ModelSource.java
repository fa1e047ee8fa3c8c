package dev.sparkgen.job.exec;

import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.FetchedChunkSource;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.WeightsPayload;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkContext$;
import org.apache.spark.SparkEnv;
import org.apache.spark.broadcast.Broadcast;

/** Where an executor gets the weights from; {@link #sha256()} identifies them (the cache key). */
public sealed interface ModelSource extends Serializable {

  /** sha256 of the weights' canonical float32 safetensors image. */
  String sha256();

  /** Opens the checkpoint on the executor. */
  Checkpoint open();

  /**
   * The float32 safetensors image broadcast as one Broadcast per chunk ({@code chunkBytes} each, the
   * last shorter), so that an executor streams it into the native tensors a chunk at a time: each
   * chunk's BlockManager copies (value and pieces) are dropped as soon as it is fetched (see
   * {@link BroadcastChunks}), and the loader's own reference once all its bytes are read; the heap
   * holds a few chunks (at most 4) while loading, none after. Executors fetch chunks from each other
   * as well as from the driver (peer to peer), which spares the driver's network with very many
   * executors. Its memory cost: every chunk and every 4 MiB piece is a humongous object for G1, and
   * their stream makes the executor's JVM grow its heap to its maximum while loading, although
   * little of it is live; the executor's peak resident memory is about its heap size above {@link
   * ServedFolder}'s (model/bench/README.md, "Real sizes").
   *
   * @param configJson the config in sparkgen's canonical JSON ({@link WeightsPayload#configJson})
   * @param bytes total bytes of the image
   */
  record Broadcasted(String configJson, List<Broadcast<byte[]>> chunks, int chunkBytes, long bytes, String sha256)
      implements ModelSource {
    @Override
    public Checkpoint open() {
      FetchedChunkSource image = new FetchedChunkSource("weights payload " + sha256.substring(0, 12), chunkBytes, bytes,
          i -> {
            byte[] chunk = BroadcastChunks.fetch(chunks.get(i));
            BroadcastChunks.dropLocalCopy(chunks.get(i)); // the loader holds the value; Spark's copies can go now
            return chunk;
          }, i -> { }, 4);
      return WeightsPayload.open(configJson, sha256, image);
    }
  }

  /**
   * The model folder's own files (config.json, then model.safetensors or the index and its shards,
   * stored as they are: BF16 stays BF16 on the wire and on disk) served by the driver's RPC file
   * server ({@link ServedFiles}); each executor JVM streams them once into a local folder, checking
   * each file's size and sha256, opens that folder as {@link SharedFolder} opens its path, and
   * deletes it once the model is built ({@link FetchedFolder}, which says why the cache key {@link
   * #sha256()} is safe for what it loads). No model bytes are held on a Java heap, so an executor's
   * peak memory is that of {@link SharedFolder}, without a shared file system. Where the executor is
   * the driver (local mode) it opens {@code folder} directly.
   *
   * @param folder the model folder on the driver (random weights: the folder the driver saved them to)
   */
  record ServedFolder(String folder, List<ServedFiles.Entry> files, String sha256) implements ModelSource {
    public ServedFolder {
      files = List.copyOf(files);
    }

    @Override
    public Checkpoint open() {
      SparkEnv env = SparkEnv.get();
      boolean onDriver = env == null || env.executorId().equals(SparkContext$.MODULE$.DRIVER_IDENTIFIER());
      return onDriver ? HfFolder.open(Path.of(folder)) : FetchedFolder.open(files, sha256);
    }
  }

  /**
   * A model folder that every executor sees at the same path (a shared file system, or one
   * machine). Not SparkContext.addFile: Spark refuses local directories outside local mode, and a
   * session's jobs only fetch files added through that session's artifact state ({@link
   * ServedFolder} uses the file server under addFile directly).
   */
  record SharedFolder(String path, String sha256) implements ModelSource {
    @Override
    public Checkpoint open() {
      return HfFolder.open(Path.of(path));
    }
  }
}
