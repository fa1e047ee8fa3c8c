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
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile config.json and safetensors headers through the command line (issue 10, item 17): exit
 * code 3 before Spark starts, one line naming the file and key, no exception class, no stack trace,
 * no JSON library's troubleshooting link.
 */
class BadConfigCommandLineTest {
  @TempDir Path tmp;
  private Path model;
  private Path config;

  @BeforeEach
  void copyTheGoldenModel() throws Exception {
    model = Files.createDirectories(tmp.resolve("model"));
    for (String f : new String[] {"config.json", "model.safetensors"}) {
      Files.copy(TestSpark.GPT2_TINY.resolve(f), model.resolve(f));
    }
    config = model.resolve("config.json");
    Files.writeString(tmp.resolve("in.jsonl"), "{\"id\": 1, \"prompt_ids\": [1, 2]}\n");
  }

  @Test
  void sizeDerivedFromAHugeValueIsRefusedInsteadOfWrapping() throws Exception {
    JsonObject c = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
    c.addProperty("n_embd", 1_000_000_000);
    c.remove("n_inner");
    Files.writeString(config, c.toString());
    assertEquals("sparkgen: model " + model + ": " + config + ": key 'n_embd' = 1000000000 makes the MLP width"
        + " 4 * n_embd = 4000000000 (n_inner is not given), more than 2147483647", refused());
  }

  @Test
  void configThatIsNotJsonIsRefused() throws Exception {
    Files.writeString(config, "{\"model_type\": \"gpt2\",\n  \"n_embd\": 64,,}");
    String line = refused();
    assertTrue(line.startsWith("sparkgen: model " + model + ": " + config + ": not valid JSON: "), line);
    assertTrue(line.contains("line 2 column"), line);
  }

  @Test
  void configNested100000LevelsDeepIsRefused() throws Exception {
    Files.writeString(config, "{\"model_type\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}");
    assertEquals("sparkgen: model " + model + ": " + config + ": not valid JSON: nested more than 100 levels deep"
        + " at line 1 column 116", refused());
  }

  @Test
  void valueOfTheWrongTypeIsRefusedNamingTheKey() throws Exception {
    JsonObject c = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
    c.add("n_layer", JsonParser.parseString("{\"count\": 2}"));
    Files.writeString(config, c.toString());
    assertEquals("sparkgen: model " + model + ": " + config + ": key 'n_layer' must be an integer >= 1, got"
        + " {\"count\":2}", refused());
  }

  @Test
  void safetensorsMetadataHoldingAnObjectIsRefused() throws Exception {
    Path weights = model.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLength = (int) b.getLong(0);
    JsonObject header = JsonParser.parseString(new String(bytes, 8, headerLength, StandardCharsets.UTF_8)).getAsJsonObject();
    header.add("__metadata__", JsonParser.parseString("{\"format\": {\"framework\": \"pt\"}}"));
    byte[] newHeader = header.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(8 + newHeader.length + bytes.length - 8 - headerLength).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(newHeader.length).put(newHeader).put(bytes, 8 + headerLength, bytes.length - 8 - headerLength);
    Files.write(weights, out.array());
    assertEquals("sparkgen: model " + model + ": " + weights + ": safetensors __metadata__ key 'format' must be a"
        + " string, got {\"framework\":\"pt\"}", refused());
  }

  @Test
  void generationConfigValueOfTheWrongTypeIsRefusedNamingTheKey() throws Exception {
    Path gen = model.resolve("generation_config.json");
    Files.writeString(gen, "{\"do_sample\": true, \"temperature\": {\"value\": 0.7}}");
    assertEquals("sparkgen: model " + model + ": " + gen + ": key 'temperature' must be a number, string or boolean,"
        + " got {\"value\":0.7}", refused());
  }

  @Test
  void generationConfigValueOutOfRangeIsRefusedNamingTheFile() throws Exception {
    Path gen = model.resolve("generation_config.json");
    Files.writeString(gen, "{\"eos_token_id\": [3, -1]}");
    assertEquals("sparkgen: model " + model + ": " + gen + ": key 'eos_token_id[1]' must be an integer >= 0, got -1",
        refused());
  }

  @Test
  void generationConfigThatIsNotJsonIsRefused() throws Exception {
    Path gen = model.resolve("generation_config.json");
    Files.writeString(gen, "{\"max_new_tokens\": 5,}");
    String line = refused();
    assertTrue(line.startsWith("sparkgen: model " + model + ": " + gen + ": not valid JSON: "), line);
  }

  @Test
  void tokenizerNestedDeeplyIsRefused() throws Exception {
    Path tok = model.resolve("tokenizer.json");
    Files.writeString(tok, "{\"model\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}");
    String line = refused();
    assertTrue(line.startsWith("sparkgen: tokenizer " + tok + ": not valid JSON: nested more than 100 levels deep"), line);
  }

  @Test
  void tokenizerVocabularyIdOfTheWrongTypeIsRefusedNamingTheKey() throws Exception {
    Path tok = model.resolve("tokenizer.json");
    JsonObject t = JsonParser.parseString(Files.readString(TestSpark.GPT2_TINY.resolve("tokenizer.json"))).getAsJsonObject();
    t.getAsJsonObject("model").getAsJsonObject("vocab").addProperty("t5", "five");
    Files.writeString(tok, t.toString());
    assertEquals("sparkgen: tokenizer " + tok + ": key 'model.vocab.t5' must be an integer in [0, 2147483646], got"
        + " \"five\"", refused());
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
    assertFalse(text.contains("Exception") || text.contains("https://") || text.toLowerCase().contains("gson"), text);
    assertTrue(SparkSession.getDefaultSession().isEmpty(), "refused before Spark started");
    assertFalse(Files.exists(output));
    return text.strip();
  }
}
