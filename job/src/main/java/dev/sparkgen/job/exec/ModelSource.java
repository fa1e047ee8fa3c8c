package dev.sparkgen.job.exec;

import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.FetchedChunkSource;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.WeightsPayload;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
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
   * holds a few chunks (at most 4) while loading, none after.
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
   * A model folder that every executor sees at the same path (a shared file system, or one
   * machine). Not SparkContext.addFile: Spark refuses local directories outside local mode, and a
   * session's jobs only fetch files added through that session's artifact state.
   */
  record SharedFolder(String path, String sha256) implements ModelSource {
    @Override
    public Checkpoint open() {
      return HfFolder.open(Path.of(path));
    }
  }
}
