package dev.sparkgen.job.exec;

import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.WeightsPayload;
import java.io.Serializable;
import java.nio.file.Path;
import org.apache.spark.broadcast.Broadcast;

/** Where an executor gets the weights from; {@link #sha256()} identifies them (the cache key). */
public sealed interface ModelSource extends Serializable {

  /** sha256 of the weights' canonical float32 safetensors image. */
  String sha256();

  /** Opens the checkpoint on the executor. */
  Checkpoint open();

  /** The weights as a broadcast payload (chunks, none over 2 GiB). */
  record Broadcasted(Broadcast<WeightsPayload> payload, String sha256) implements ModelSource {
    @Override
    public Checkpoint open() {
      return payload.value().open();
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
