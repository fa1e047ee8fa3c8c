package dev.sparkgen.job.resume;

import dev.sparkgen.job.error.SetupException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The output folder of mode=resume (any Hadoop file system):
 * <pre>
 * output/
 *   _sparkgen_resume.json          the manifest ({@link SliceManifest}): settings, slices, committed slices
 *   slice-00000-part-00000-*.parquet  the files of committed slices, flat (as every reader expects)
 *   slice-00003-part-00001-*.parquet
 *   _sparkgen_tmp/slice-00007/     the slice being written (Spark's own commit protocol inside)
 *   _SUCCESS, _summary.json        once every slice is committed
 *   _sparkgen_lock                 while a run has it open ({@link OutputLock})
 * </pre>
 * A slice is written to its own folder under {@code _sparkgen_tmp/} (Spark publishes its files only
 * when that write commits), its files are renamed into the output under the slice's prefix, and
 * then the slice is named in the manifest: the commit point. The manifest is replaced by writing
 * {@code _sparkgen_resume.json.next}, deleting the old one and renaming; a run killed between the
 * two finds the complete {@code .next} and uses it. Opening an output removes what the manifest does
 * not name: the temporary folder, and files of a slice whose renames were under way when a run died.
 * So the output is exactly the committed slices once a run has opened it; while a run commits a
 * slice, a reader may see part of that slice (the output is complete when {@code _SUCCESS} is there).
 * Spark's readers skip names starting with '_' or '.'.
 */
public final class SlicedOutput {
  /** The manifest's file name. */
  public static final String MANIFEST = "_sparkgen_resume.json";
  static final String NEXT = MANIFEST + ".next";
  static final String TMP = "_sparkgen_tmp";

  private final FileSystem fs;
  private final Path root;
  private SliceManifest manifest;
  private final int committedBefore;

  private SlicedOutput(FileSystem fs, Path root, SliceManifest manifest) {
    this.fs = fs;
    this.root = root;
    this.manifest = manifest;
    this.committedBefore = manifest.committed().size();
  }

  /**
   * Opens {@code output} for a run with {@code settings} over an input of {@code countInput} rows
   * (counted after the settings are compared) cut into {@code slices}: a missing or empty folder starts a new manifest; a folder with a manifest
   * is resumed when its settings, slices and input rows equal these, and refused naming each that
   * differs; any other folder is refused.
   *
   * @throws SetupException naming the output and what differs
   */
  public static SlicedOutput open(Configuration hadoop, String output, int slices, Map<String, String> settings,
      java.util.function.LongSupplier countInput) {
    try {
      Path root = new Path(output);
      FileSystem fs = root.getFileSystem(hadoop);
      SliceManifest m = read(fs, root, output);
      if (m == null) {
        if (fs.exists(root) && java.util.Arrays.stream(fs.listStatus(root)).map(f -> f.getPath().getName())
            .anyMatch(n -> !n.equals(NEXT) && !n.equals("." + NEXT + ".crc") && !n.equals(TMP)
                && !n.equals(OutputLock.FILE) && !n.equals("." + OutputLock.FILE + ".crc"))) {
          throw new SetupException("mode=resume: output " + output + " exists but has no " + MANIFEST + ", so it was"
              + " not written by mode=resume; choose another output, or mode=overwrite to replace it");
        }
        m = SliceManifest.start(slices, countInput.getAsLong(), settings);
      } else {
        List<String> diff = ResumeSettings.differences(m.settings(), settings);
        if (m.slices() != slices) {
          diff = new java.util.ArrayList<>(diff);
          diff.add(0, "slices: earlier '" + m.slices() + "', now '" + slices + "'");
        }
        if (!diff.isEmpty()) {
          throw new SetupException("mode=resume: output " + output + " was started with other settings; "
              + String.join("; ", diff) + ". Resume with the earlier settings, or write to another output");
        }
        long inputRows = countInput.getAsLong(); // after the settings: a refusal needs no pass over the input
        if (m.inputRows() != inputRows) {
          throw new SetupException("mode=resume: the input has " + inputRows + " rows, but output " + output
              + " was started on an input of " + m.inputRows() + " rows; an input changed since cannot be resumed");
        }
      }
      SlicedOutput out = new SlicedOutput(fs, root, m);
      out.removeUncommitted();
      out.writeManifest();
      return out;
    } catch (IOException e) {
      throw new SetupException("mode=resume: output " + output + ": " + e.getMessage(), e);
    }
  }

  /** The manifest, or its complete next version when a run died while replacing it, or null. */
  private static SliceManifest read(FileSystem fs, Path root, String output) throws IOException {
    for (String name : new String[] {MANIFEST, NEXT}) {
      Path p = new Path(root, name);
      if (fs.exists(p)) {
        try (InputStream in = fs.open(p)) {
          String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          try {
            return SliceManifest.parse(text);
          } catch (IllegalArgumentException e) {
            if (name.equals(NEXT)) {
              continue; // a .next cut short: the manifest was not yet deleted, so it cannot be the only one
            }
            throw new SetupException("mode=resume: " + p + ": " + e.getMessage(), e);
          }
        }
      }
    }
    return null;
  }

  private void removeUncommitted() throws IOException {
    fs.delete(new Path(root, TMP), true);
    if (!fs.exists(root)) {
      return;
    }
    for (FileStatus s : fs.listStatus(root)) {
      int slice = Slices.sliceOfFile(s.getPath().getName());
      if (slice >= 0 && !manifest.isCommitted(slice)) {
        fs.delete(s.getPath(), true);
      }
    }
    fs.delete(new Path(root, "_SUCCESS"), false); // written again once every slice is in
  }

  /** The manifest as it stands. */
  public SliceManifest manifest() {
    return manifest;
  }

  /** Slices committed by earlier runs (when this output was opened). */
  public int committedBefore() {
    return committedBefore;
  }

  /** Where slice {@code i} is written before its commit (a Spark output folder of its own). */
  public String pending(int i) {
    return new Path(new Path(root, TMP), Slices.folder(i)).toString();
  }

  /** Commits slice {@code i}, written at {@link #pending}: renames its files into the output, then records it. */
  public void commit(int i, long rows, long generatedTokens) {
    Path from = new Path(pending(i));
    try {
      for (FileStatus f : fs.listStatus(from)) {
        String name = f.getPath().getName();
        if (f.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
          Path to = new Path(root, Slices.folder(i) + "-" + name);
          if (!fs.rename(f.getPath(), to)) {
            throw new IOException("cannot rename " + f.getPath() + " to " + to);
          }
        }
      }
      manifest = manifest.with(new SliceManifest.Committed(i, rows, generatedTokens, Instant.now().toString()));
      writeManifest();
      fs.delete(from, true);
    } catch (IOException e) {
      throw new UncheckedIOException("mode=resume: committing slice " + i + " to " + root + ": " + e.getMessage(), e);
    }
  }

  /** Marks the output complete ({@code _SUCCESS}) and removes the temporary folder. */
  public void finish() {
    try {
      fs.delete(new Path(root, TMP), true);
      fs.create(new Path(root, "_SUCCESS"), true).close();
    } catch (IOException e) {
      throw new UncheckedIOException("mode=resume: finishing " + root + ": " + e.getMessage(), e);
    }
  }

  private void writeManifest() throws IOException {
    Path next = new Path(root, NEXT);
    try (OutputStream out = fs.create(next, true)) {
      out.write(manifest.toJson().getBytes(StandardCharsets.UTF_8));
    }
    Path file = new Path(root, MANIFEST);
    fs.delete(file, false);
    if (!fs.rename(next, file)) {
      throw new IOException("cannot rename " + next + " to " + file);
    }
  }
}
