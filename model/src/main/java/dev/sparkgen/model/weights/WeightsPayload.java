package dev.sparkgen.model.weights;

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
    ChunkedOutputStream chunked = new ChunkedOutputStream(chunkBytes);
    String sha = stream(checkpoint, chunked);
    return new WeightsPayload(configJson(checkpoint), chunked.chunks(), sha);
  }

  /**
   * Writes the checkpoint's float32 safetensors image to {@code out} (e.g. a {@link
   * ChunkedOutputStream} whose sink broadcasts each chunk and forgets it, so the whole image is never
   * held), closes it and returns the image's sha256.
   */
  public static String stream(Checkpoint checkpoint, java.io.OutputStream out) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (DigestOutputStream digest = new DigestOutputStream(out, sha)) {
        SafetensorsWriter.write(HfFolder.fileNamed(checkpoint), digest);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The config JSON a payload carries for {@code checkpoint}. */
  public static String configJson(Checkpoint checkpoint) {
    return ModelFamily.toJson(checkpoint.config()).toString();
  }

  /** Total bytes of the weights image. */
  public long bytes() {
    return chunks.stream().mapToLong(c -> c.length).sum();
  }

  /** Rebuilds the checkpoint (reading from the chunks, no copy of the whole image). */
  public Checkpoint open() {
    return open(configJson, sha256, new ChunkedByteSource(where(sha256), chunks));
  }

  private static String where(String sha256) {
    return "weights payload " + sha256.substring(0, Math.min(12, sha256.length()));
  }

  /**
   * Rebuilds a checkpoint from a config JSON and an image read through {@code image} (e.g. chunks
   * fetched one at a time); the checkpoint closes {@code image}.
   */
  public static Checkpoint open(String configJson, String sha256, ByteSource image) {
    String where = where(sha256);
    ModelConfig config;
    try {
      config = ModelFamily.parse(JsonFile.parseObject(configJson, where + " config"));
    } catch (JsonValueException e) {
      throw new CheckpointException(e.getMessage(), e);
    }
    SafetensorsFile file = SafetensorsFile.open(image);
    Map<String, WeightSource> found = new java.util.LinkedHashMap<>();
    for (TensorInfo t : file.tensors().values()) {
      String canonical = config.family().canonicalName(t.name());
      if (canonical != null) {
        found.put(canonical, WeightSource.of(file, t));
      }
    }
    return new Checkpoint(config, found, where, List.of(file));
  }
}
