package dev.sparkgen.model.weights;

import dev.sparkgen.model.CheckpointException;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.json.JsonFile;
import dev.sparkgen.model.json.JsonValueException;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint as serialisable bytes for a Spark broadcast: the config JSON plus a float32
 * safetensors image split into chunks far below 2 GiB. {@code sha256} (of the image) identifies
 * the weights, e.g. as the key of an executor's model cache.
 */
public record WeightsPayload(String configJson, List<byte[]> chunks, String sha256) implements Serializable {
  /** Chunk size: 64 MiB keeps each array small for serialisation and far below the 2 GiB limit. */
  public static final int CHUNK_BYTES = 64 << 20;

  /** Serialises a checkpoint. */
  public static WeightsPayload of(Checkpoint checkpoint) {
    return of(checkpoint, CHUNK_BYTES);
  }

  /** Serialises a checkpoint with a given chunk size (tests use small ones). */
  public static WeightsPayload of(Checkpoint checkpoint, int chunkBytes) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      ChunkedOutputStream chunked = new ChunkedOutputStream(chunkBytes);
      try (DigestOutputStream out = new DigestOutputStream(chunked, sha)) {
        SafetensorsWriter.write(HfFolder.fileNamed(checkpoint), out);
      }
      String config = ModelFamily.toJson(checkpoint.config()).toString();
      return new WeightsPayload(config, chunked.chunks(), HexFormat.of().formatHex(sha.digest()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Total bytes of the weights image. */
  public long bytes() {
    return chunks.stream().mapToLong(c -> c.length).sum();
  }

  /** Rebuilds the checkpoint (reading from the chunks, no copy of the whole image). */
  public Checkpoint open() {
    String where = "weights payload " + sha256.substring(0, Math.min(12, sha256.length()));
    ModelConfig config;
    try {
      config = ModelFamily.parse(JsonFile.parseObject(configJson, where + " config"));
    } catch (JsonValueException e) {
      throw new CheckpointException(e.getMessage(), e);
    }
    SafetensorsFile file = SafetensorsFile.open(new ChunkedByteSource(where, chunks));
    Map<String, WeightSource> found = new java.util.LinkedHashMap<>();
    for (TensorInfo t : file.tensors().values()) {
      String canonical = config.family().canonicalName(t.name());
      if (canonical != null) {
        found.put(canonical, WeightSource.of(file, t));
      }
    }
    try {
      return new Checkpoint(config, found, where, List.of(file));
    } catch (CheckpointException e) {
      throw e;
    }
  }
}
