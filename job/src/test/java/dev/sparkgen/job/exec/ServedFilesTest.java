package dev.sparkgen.job.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.CheckpointException;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.WeightsPayload;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor side of weights_distribution=file_server, run in one JVM: the driver's RPC file
 * server serves a model's files, and {@link FetchedFolder} fetches them over the network exactly as
 * an executor does (the driver fetches from itself), opens them as the same checkpoint and deletes
 * its copy when closed; a file changed, removed or no longer served fails the load naming it.
 * LocalClusterTest runs the same with separate executor JVMs.
 */
class ServedFilesTest {
  private static final Path GPT2_TINY = Path.of("../model/src/test/resources/golden/gpt2-tiny").toAbsolutePath().normalize();
  private static SparkSession spark;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[1]").appName("sparkgen-test")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void fetchedFilesOpenAsTheSameCheckpointAndTheCopyIsDeletedOnClose() throws Exception {
    String sha;
    try (Checkpoint original = HfFolder.open(GPT2_TINY)) {
      sha = WeightsPayload.stream(original, OutputStream.nullOutputStream());
    }
    try (ServedFiles served = ServedFiles.serve(spark.sparkContext(), HfFolder.files(GPT2_TINY))) {
      List<ServedFiles.Entry> entries = served.entries();
      assertEquals(List.of("config.json", "model.safetensors"), entries.stream().map(ServedFiles.Entry::name).toList());
      for (ServedFiles.Entry e : entries) {
        assertTrue(e.uri().startsWith("spark://127.0.0.1:") && e.uri().contains("/files/sparkgen-")
            && e.uri().endsWith("-" + e.name()), e.uri());
        Path file = GPT2_TINY.resolve(e.name());
        assertEquals(Files.size(file), e.bytes());
        assertEquals(HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
            .digest(Files.readAllBytes(file))), e.sha256());
      }
      Path copy;
      try (Checkpoint fetched = FetchedFolder.open(entries, sha)) {
        assertEquals(sha, WeightsPayload.stream(fetched, OutputStream.nullOutputStream()));
        copy = FetchedFolder.copyOf(sha).toPath();
        assertFalse(copy.startsWith(GPT2_TINY), copy.toString());
        assertTrue(Files.isRegularFile(copy.resolve("model.safetensors")), copy.toString());
      }
      assertFalse(Files.exists(copy), "the copy is deleted once the checkpoint is closed: " + copy);
    }
  }

  @Test
  void aFileChangedAfterItWasServedIsRefusedNamingIt() throws Exception {
    Path model = copyOfTheModel();
    try (ServedFiles served = ServedFiles.serve(spark.sparkContext(), HfFolder.files(model))) {
      try (FileChannel ch = FileChannel.open(model.resolve("model.safetensors"), StandardOpenOption.WRITE)) {
        long last = ch.size() - 1; // the same size, one byte different
        ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0x55}), last);
      }
      CheckpointException e = assertThrows(CheckpointException.class, () -> FetchedFolder.open(served.entries(), "ab"));
      assertTrue(e.getMessage().startsWith("model file model.safetensors (" + model.resolve("model.safetensors")
          + " on the driver"), e.getMessage());
      assertTrue(e.getMessage().contains("but it had " + Files.size(model.resolve("model.safetensors"))
          + " bytes with sha256 " + served.entries().get(1).sha256() + " when the driver began serving it"), e.getMessage());
      assertTrue(e.getMessage().contains("the file changed on the driver after the model was shipped"), e.getMessage());
    }
  }

  @Test
  void aFileRemovedOrNoLongerServedIsRefusedNamingIt() throws Exception {
    Path model = copyOfTheModel();
    List<ServedFiles.Entry> entries;
    try (ServedFiles served = ServedFiles.serve(spark.sparkContext(), HfFolder.files(model))) {
      entries = served.entries();
      Files.delete(model.resolve("config.json"));
      CheckpointException e = assertThrows(CheckpointException.class, () -> FetchedFolder.open(entries, "cd"));
      assertTrue(e.getMessage().startsWith("model file config.json (" + model.resolve("config.json") + " on the driver"),
          e.getMessage());
      assertTrue(e.getMessage().contains("cannot fetch it") && e.getMessage().contains("was not found"), e.getMessage());
    }
    // Closed: the weights file is still on disk, but the server no longer serves it.
    CheckpointException e = assertThrows(CheckpointException.class, () -> FetchedFolder.open(entries.subList(1, 2), "ef"));
    assertTrue(e.getMessage().startsWith("model file model.safetensors ("), e.getMessage());
    assertTrue(e.getMessage().contains("was not found"), e.getMessage());
  }

  private Path copyOfTheModel() throws Exception {
    Path model = tmp.resolve("model");
    Files.createDirectories(model);
    for (Path f : HfFolder.files(GPT2_TINY)) {
      Files.copy(f, model.resolve(f.getFileName()));
    }
    return model;
  }
}
