package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad checkpoints through the command line: refused on the driver before Spark starts, exit code 3,
 * one line naming the file and tensor, no stack trace, nothing written to the output.
 */
class BadCheckpointCommandLineTest {
  @TempDir Path tmp;
  private Path model;
  private Path weights;

  @BeforeEach
  void copyTheGoldenModel() throws Exception {
    model = Files.createDirectories(tmp.resolve("model"));
    for (String f : new String[] {"config.json", "model.safetensors"}) {
      Files.copy(TestSpark.GPT2_TINY.resolve(f), model.resolve(f));
    }
    weights = model.resolve("model.safetensors");
    Files.writeString(tmp.resolve("in.jsonl"), "{\"id\": 1, \"prompt_ids\": [1, 2]}\n");
  }

  @Test
  void truncatedSafetensorsFileIsRefused() throws Exception {
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, Arrays.copyOf(bytes, bytes.length / 2));
    String line = refused();
    assertTrue(line.contains(weights + ": tensor '"), line);
    assertTrue(line.contains("outside the data area of"), line);
    assertTrue(line.endsWith("; the file is truncated or corrupt"), line);
  }

  @Test
  void hostileHeaderLengthIsRefusedWithoutReadingIt() throws Exception {
    byte[] bytes = Files.readAllBytes(weights);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 62); // asks for 4 EiB of header
    Files.write(weights, bytes);
    assertEquals("sparkgen: model " + model + ": " + weights + ": safetensors header length " + (1L << 62)
        + " exceeds the limit of 104857600 bytes", refused());
  }

  @Test
  void wrongTensorShapeIsRefusedNamingTheTensorAndBothShapes() throws Exception {
    JsonObject config = JsonParser.parseString(Files.readString(model.resolve("config.json"))).getAsJsonObject();
    config.addProperty("vocab_size", 65);
    Files.writeString(model.resolve("config.json"), config.toString());
    assertEquals("sparkgen: model " + model + ": " + weights + ": tensor 'wte.weight' has shape [64, 64] but the config"
        + " needs [65, 64]", refused());
  }

  @Test
  void nanWeightIsRefusedNamingTheTensorAndElement() throws Exception {
    byte[] bytes = Files.readAllBytes(weights);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLength = (int) b.getLong(0);
    JsonObject header = JsonParser.parseString(new String(bytes, 8, headerLength, StandardCharsets.UTF_8)).getAsJsonObject();
    JsonObject tensor = header.getAsJsonObject("h.0.ln_2.bias");
    assertEquals("F32", tensor.get("dtype").getAsString());
    long begin = tensor.getAsJsonArray("data_offsets").get(0).getAsLong();
    b.putFloat((int) (8 + headerLength + begin + 5 * 4), Float.NaN);
    Files.write(weights, bytes);
    assertEquals("sparkgen: " + weights + ": tensor 'h.0.ln_2.bias' holds NaN at element 5; weights must be finite",
        refused());
  }

  @Test
  void pickleOnlyFolderIsRefusedBecausePickleCanRunCode() throws Exception {
    Files.delete(weights);
    Files.write(model.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's', '\n'});
    assertEquals("sparkgen: model " + model + ": " + model + ": only pickle weights found [pytorch_model.bin];"
        + " sparkgen reads safetensors only, because loading a pickle can run arbitrary code. Convert the checkpoint"
        + " to model.safetensors.", refused());
  }

  /** Runs the command line; asserts exit code 3, one line on stderr, no Spark, no output; returns the line. */
  private String refused() throws Exception {
    Path output = tmp.resolve("out");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"generate", "--model=" + model, "--input=" + tmp.resolve("in.jsonl"),
        "--output=" + output, "--master=local[1]"}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = err.toString(StandardCharsets.UTF_8);
    assertEquals(Main.BAD_SETUP, code, text);
    assertEquals(1, text.lines().count(), text); // one line: no stack trace
    assertFalse(text.contains("Exception"), text);
    assertTrue(SparkSession.getDefaultSession().isEmpty(), "refused before Spark started");
    assertFalse(Files.exists(output));
    return text.strip();
  }
}
