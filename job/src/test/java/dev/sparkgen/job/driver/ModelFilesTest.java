package dev.sparkgen.job.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.model.weights.HfFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model file rewritten, replaced or removed after it was stamped is refused, naming the file and the change. */
class ModelFilesTest {
  private static final Path GPT2_TINY = Path.of("../model/src/test/resources/golden/gpt2-tiny").toAbsolutePath().normalize();
  @TempDir Path tmp;

  @Test
  void stampsTheFilesThatOpenReadsAndAcceptsThemUnchanged() throws Exception {
    Path model = copy();
    ModelFiles files = ModelFiles.of(model);
    assertEquals(List.of(model.resolve("config.json"), model.resolve("model.safetensors")), files.paths());
    assertEquals(Files.size(model.resolve("model.safetensors")), files.stamps().get(1).bytes());
    files.checkUnchanged("read it"); // nothing changed
  }

  @Test
  void aRewrittenReplacedOrRemovedFileIsRefusedNamingIt() throws Exception {
    Path model = copy();
    Path weights = model.resolve("model.safetensors");
    ModelFiles files = ModelFiles.of(model);
    Files.setLastModifiedTime(weights, FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() + 5000));
    assertRefused(files, weights, "it was modified at ");

    files = ModelFiles.of(model);
    Path other = tmp.resolve("other.safetensors");
    Files.copy(weights, other);
    Files.setLastModifiedTime(other, Files.getLastModifiedTime(weights)); // same size and time: only the file key differs
    Files.move(other, weights, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    assertRefused(files, weights, "it was replaced by another file");

    files = ModelFiles.of(model);
    Files.write(weights, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
    assertRefused(files, weights, "its size went from ");

    ModelFiles before = ModelFiles.of(model);
    Files.delete(model.resolve("config.json"));
    SetupException e = assertThrows(SetupException.class, () -> before.checkUnchanged("served it"));
    assertEquals(model.resolve("config.json") + ": the model file is gone: it was removed while sparkgen served it",
        e.getMessage());
  }

  private static void assertRefused(ModelFiles files, Path file, String what) {
    SetupException e = assertThrows(SetupException.class, () -> files.checkUnchanged("computed the model's sha256"));
    assertTrue(e.getMessage().startsWith(file + ": the model file changed while sparkgen computed the model's sha256 ("
        + what), e.getMessage());
  }

  private Path copy() throws Exception {
    Path model = tmp.resolve("model");
    Files.createDirectories(model);
    for (Path f : HfFolder.files(GPT2_TINY)) {
      Files.copy(f, model.resolve(f.getFileName()));
    }
    return model;
  }
}
