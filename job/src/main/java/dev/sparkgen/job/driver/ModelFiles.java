package dev.sparkgen.job.driver;

import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.model.weights.CheckpointException;
import dev.sparkgen.model.weights.HfFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The files of a model folder that {@link HfFolder#open} reads ({@link HfFolder#files}: config.json,
 * then model.safetensors or the index and its shards), each stamped with what shows that it changed:
 * size, last-modified time and file key (device and inode on Unix), read through symbolic links (a
 * Hugging Face cache snapshot links to its blobs).
 *
 * <p>Why: the model's identity, the sha256 of its float32 image, is computed from the files the
 * driver opened. When a shipment sends the files themselves to executors
 * (weights_distribution=file_server), it digests them again, byte for byte, and executors check
 * what they receive against those digests; the stamps, taken before the checkpoint was opened and
 * compared after each read, show that both reads saw the same files: one replaced (a download
 * renamed over it: a new file key) or rewritten (size or modification time) in between is refused.
 *
 * @param folder the model folder, absolute
 * @param stamps one per file, in {@link HfFolder#files}'s order
 */
public record ModelFiles(Path folder, List<Stamp> stamps) {

  /** One file's stamp; {@code fileKey} may be null where the file system has none. */
  public record Stamp(Path path, long bytes, FileTime modified, Object fileKey) {}

  public ModelFiles {
    stamps = List.copyOf(stamps);
  }

  /**
   * Stamps the files that {@link HfFolder#open} would read in {@code folder}.
   *
   * @throws CheckpointException as {@link HfFolder#open} for a missing config, index, shard or weights
   */
  public static ModelFiles of(Path folder) {
    Path dir = folder.toAbsolutePath().normalize();
    List<Stamp> stamps = new ArrayList<>();
    for (Path f : HfFolder.files(dir)) {
      stamps.add(stamp(f));
    }
    return new ModelFiles(dir, stamps);
  }

  /** The files, in {@link HfFolder#files}'s order. */
  public List<Path> paths() {
    return stamps.stream().map(Stamp::path).toList();
  }

  /**
   * Refuses a file whose stamp is no longer the one taken by {@link #of}.
   *
   * @param doing what the caller read the files for, for the message ("computed the model's sha256")
   * @throws SetupException naming the file and what changed
   */
  public void checkUnchanged(String doing) {
    for (Stamp then : stamps) {
      Stamp now;
      try {
        now = stamp(then.path());
      } catch (CheckpointException e) {
        throw new SetupException(then.path() + ": the model file is gone: it was removed while sparkgen " + doing, e);
      }
      String what = then.bytes() != now.bytes() ? "its size went from " + then.bytes() + " to " + now.bytes() + " bytes"
          : !then.modified().equals(now.modified()) ? "it was modified at " + now.modified()
          : !Objects.equals(then.fileKey(), now.fileKey()) ? "it was replaced by another file" : null;
      if (what != null) {
        throw new SetupException(then.path() + ": the model file changed while sparkgen " + doing + " (" + what
            + "); run the job again once the model folder is complete");
      }
    }
  }

  private static Stamp stamp(Path f) {
    try {
      BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
      return new Stamp(f, a.size(), a.lastModifiedTime(), a.fileKey());
    } catch (IOException e) {
      throw new CheckpointException(f + ": cannot read the file's attributes: " + e.getMessage(), e);
    }
  }
}
