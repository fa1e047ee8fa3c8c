package dev.sparkgen.job.resume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.error.SetupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sliced output's folder on the local file system, without Spark: commits rename a slice's
 * files in and then name it in the manifest; what a killed run left half done (files renamed in but
 * not recorded, the temporary folder, a manifest caught mid-replace) is cleaned or recovered when
 * the output is opened again; other settings, slices, input sizes and foreign folders are refused.
 */
class SlicedOutputTest {
  @TempDir Path tmp;
  private static final Configuration HADOOP = new Configuration();
  private static final Map<String, String> SETTINGS = Map.of("model.sha256", "abc", "temperature", "0.7", "input", "in");

  private static LongSupplier rows(long n) {
    return () -> n;
  }

  /** Writes what Spark's writer leaves in a slice's pending folder: data files, _SUCCESS, checksums. */
  private static void writeSlice(SlicedOutput out, int i, String... parts) throws Exception {
    Path dir = Path.of(out.pending(i).replaceFirst("^file:", ""));
    Files.createDirectories(dir);
    for (String p : parts) {
      Files.writeString(dir.resolve(p), "rows of slice " + i);
    }
    Files.writeString(dir.resolve("_SUCCESS"), "");
  }

  private List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
    }
  }

  @Test
  void aCommitRenamesTheSliceInThenNamesItAndAKilledCommitIsUndoneOnOpen() throws Exception {
    Path root = tmp.resolve("out");
    SlicedOutput out = SlicedOutput.open(HADOOP, root.toString(), 4, SETTINGS, rows(100));
    assertEquals(List.of(SlicedOutput.MANIFEST), names(root));
    writeSlice(out, 1, "part-00000-a.parquet", "part-00001-a.parquet");
    out.commit(1, 30, 600);
    assertEquals(List.of(SlicedOutput.MANIFEST, SlicedOutput.TMP, "slice-00001-part-00000-a.parquet",
        "slice-00001-part-00001-a.parquet"), names(root));
    assertEquals(List.of(), names(root.resolve(SlicedOutput.TMP))); // the slice's folder is gone, with its _SUCCESS
    SliceManifest m = SliceManifest.parse(Files.readString(root.resolve(SlicedOutput.MANIFEST)));
    assertEquals(List.of(1), m.committed().stream().map(SliceManifest.Committed::slice).toList());
    assertEquals(30, m.committedRows());

    // A run killed after renaming slice 2's first file in, before naming it: its files and the temp folder go.
    writeSlice(out, 2, "part-00000-b.parquet");
    Files.writeString(root.resolve("slice-00002-part-00007-b.parquet"), "half a slice");
    SlicedOutput reopened = SlicedOutput.open(HADOOP, root.toString(), 4, SETTINGS, rows(100));
    assertEquals(List.of(SlicedOutput.MANIFEST, "slice-00001-part-00000-a.parquet", "slice-00001-part-00001-a.parquet"),
        names(root));
    assertEquals(1, reopened.committedBefore());
    assertTrue(reopened.manifest().isCommitted(1) && !reopened.manifest().isCommitted(2));

    // Killed while replacing the manifest: the old one deleted, the complete .next not yet renamed.
    Files.move(root.resolve(SlicedOutput.MANIFEST), root.resolve(SlicedOutput.NEXT));
    SlicedOutput recovered = SlicedOutput.open(HADOOP, root.toString(), 4, SETTINGS, rows(100));
    assertTrue(recovered.manifest().isCommitted(1));
    assertTrue(Files.exists(root.resolve("slice-00001-part-00000-a.parquet")));
    assertFalse(Files.exists(root.resolve(SlicedOutput.NEXT)));
  }

  @Test
  void otherSettingsSlicesInputsAndFoldersAreRefusedNamingWhatDiffers() throws Exception {
    Path root = tmp.resolve("out");
    SlicedOutput.open(HADOOP, root.toString(), 4, SETTINGS, rows(100));
    LongSupplier notCounted = () -> {
      throw new AssertionError("the input is counted only once the settings match");
    };
    SetupException e = assertThrows(SetupException.class, () -> SlicedOutput.open(HADOOP, root.toString(), 4,
        Map.of("model.sha256", "abd", "temperature", "0.7", "top_k", "5"), notCounted));
    assertTrue(e.getMessage().contains("input: earlier 'in', now (unset)"), e.getMessage());
    assertTrue(e.getMessage().contains("model.sha256: earlier 'abc', now 'abd'"), e.getMessage());
    assertTrue(e.getMessage().contains("top_k: earlier (unset), now '5'"), e.getMessage());
    assertFalse(e.getMessage().contains("temperature"), e.getMessage());
    e = assertThrows(SetupException.class, () -> SlicedOutput.open(HADOOP, root.toString(), 5, SETTINGS, notCounted));
    assertTrue(e.getMessage().contains("slices: earlier '4', now '5'"), e.getMessage());
    e = assertThrows(SetupException.class, () -> SlicedOutput.open(HADOOP, root.toString(), 4, SETTINGS, rows(101)));
    assertTrue(e.getMessage().contains("the input has 101 rows, but output " + root + " was started on an input of 100"
        + " rows"), e.getMessage());

    Path foreign = tmp.resolve("foreign");
    Files.createDirectories(foreign);
    Files.writeString(foreign.resolve("part-00000.parquet"), "x");
    e = assertThrows(SetupException.class, () -> SlicedOutput.open(HADOOP, foreign.toString(), 4, SETTINGS, rows(1)));
    assertTrue(e.getMessage().contains("exists but has no _sparkgen_resume.json"), e.getMessage());
  }

  @Test
  void aSlicesFilesAreKnownByTheirPrefix() {
    assertEquals(3, Slices.sliceOfFile("slice-00003-part-00000-x.snappy.parquet"));
    assertEquals(-1, Slices.sliceOfFile("part-00000-x.snappy.parquet"));
    assertEquals(-1, Slices.sliceOfFile("_sparkgen_resume.json"));
    assertEquals("slice-00012", Slices.folder(12));
  }
}
