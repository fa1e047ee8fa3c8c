package dev.sparkgen.model;

import static dev.sparkgen.model.weights.SafetensorsBytes.entry;
import static dev.sparkgen.model.weights.SafetensorsBytes.f32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.weights.CheckpointException;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.RandomWeights;
import dev.sparkgen.model.weights.SafetensorsBytes;
import dev.sparkgen.model.weights.SafetensorsWriter;
import dev.sparkgen.model.weights.WeightSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a checkpoint can be unusable fails with a message naming the file and, where it applies, the tensor. */
class BadCheckpointTest {
  static final ModelConfig GPT2 = TinyModels.gpt2(10, 8, 1, 2, 16, 8);
  static final ModelConfig LLAMA = TinyModels.llama(10, 8, 1, 2, 1, 4, 16, false, false, false);

  @TempDir Path dir;

  // ---- folder layout ----

  @Test
  void missingConfigJsonIsRefused() throws IOException {
    write(validTensors());
    assertFails(dir.resolve("config.json").toString(), "missing config.json");
  }

  @Test
  void missingWeightsAreRefused() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    assertFails(dir.toString(), "no weights found", "model.safetensors", "model.safetensors.index.json");
  }

  @Test
  void pickleOnlyWeightsAreRefusedBecauseLoadingThemCanRunCode() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c'});
    assertFails(dir.toString(), "pytorch_model.bin", "pickle", "can run arbitrary code", "safetensors");
  }

  @Test
  void missingShardIsRefused() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    Files.writeString(dir.resolve(HfFolder.INDEX),
        "{\"weight_map\": {\"wte.weight\": \"model-00001-of-00002.safetensors\"}}");
    assertFails(dir.resolve(HfFolder.INDEX).toString(), "shard model-00001-of-00002.safetensors is missing");
  }

  @Test
  void shardOutsideTheModelFolderIsRefused() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    Files.writeString(dir.resolve(HfFolder.INDEX), "{\"weight_map\": {\"wte.weight\": \"../elsewhere.safetensors\"}}");
    assertFails(dir.resolve(HfFolder.INDEX).toString(), "'../elsewhere.safetensors'", "'wte.weight'", "outside the model folder");
  }

  // ---- safetensors container ----

  @Test
  void headerLengthPastTheEndOfTheFileIsRefused() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
    SafetensorsBytes.write(weights(), 1000, header, new byte[20]);
    assertFails(weights().toString(), "header length 1000", "past the end of the file", "truncated");
  }

  @Test
  void fileShorterThanTheLengthFieldIsRefused() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    Files.write(weights(), new byte[] {1, 2, 3});
    assertFails(weights().toString(), "truncated", "3 bytes");
  }

  @Test
  void headerLargerThan100MbIsRefused() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    SafetensorsBytes.write(weights(), 200_000_000L, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
    assertFails(weights().toString(), "header length 200000000", "exceeds the limit of 104857600 bytes");
  }

  @Test
  void invalidHeaderJsonIsRefused() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    SafetensorsBytes.write(weights(), "{\"wte.weight\": {\"dtype\": \"F32\", \"shape\": [2", new byte[8]);
    assertFails(weights().toString() + ": safetensors header: not valid JSON: ");
  }

  @Test
  void headerNested100000LevelsDeepIsRefusedInOneLine() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    SafetensorsBytes.write(weights(), "{\"a\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}", new byte[0]);
    String m = assertFails(weights() + ": safetensors header: not valid JSON: nested more than 100 levels deep");
    assertTrue(!m.contains("Exception") && !m.contains("https://"), m);
  }

  @Test
  void metadataThatIsNotStringsIsRefusedNamingTheKey() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    SafetensorsBytes.write(weights(), "{\"__metadata__\": {\"format\": {\"nested\": 1}}}", new byte[0]);
    assertFails(weights() + ": safetensors __metadata__ key 'format' must be a string, got {\"nested\":1}");
  }

  @Test
  void fractionalShapeIsRefusedNotTruncated() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    SafetensorsBytes.write(weights(), "{" + entry("wte.weight", "F32", "[2.5]", 0, 8) + "}", f32(1f, 2f));
    assertFails(weights().toString(), "tensor 'wte.weight' has a malformed header entry");
  }

  @Test
  void offsetsOutOfBoundsAreRefused() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    SafetensorsBytes.write(weights(), "{" + entry("wte.weight", "F32", "[2]", 0, 8) + "}", f32(1f));
    assertFails(weights().toString(), "'wte.weight'", "data_offsets [0, 8]", "outside the data area of 4 bytes");
  }

  @Test
  void overlappingOffsetsAreRefused() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    String header = "{" + entry("a", "F32", "[2]", 0, 8) + ", " + entry("b", "F32", "[2]", 4, 12) + "}";
    SafetensorsBytes.write(weights(), header, f32(1, 2, 3));
    assertFails(weights().toString(), "'a' [0, 8)", "'b' [4, 12)", "overlap");
  }

  @Test
  void unknownDtypeIsRefusedNamingTheTensor() throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    SafetensorsBytes.write(weights(), "{" + entry("h.0.ln_1.weight", "I8", "[4]", 0, 4) + "}", new byte[4]);
    assertFails(weights().toString(), "'h.0.ln_1.weight'", "unsupported dtype 'I8'", "F32, F16, BF16");
    SafetensorsBytes.write(weights(), "{" + entry("wpe.weight", "F64", "[1]", 0, 8) + "}", new byte[8]);
    assertFails(weights().toString(), "'wpe.weight'", "unsupported dtype 'F64'");
  }

  @Test
  void aRefusedFileIsClosed() throws IOException {
    Path fds = Path.of("/proc/self/fd");
    assumeTrue(Files.isDirectory(fds), "counting open files needs /proc (Linux)");
    HfFolder.writeConfig(GPT2, dir);
    SafetensorsBytes.write(weights(), "{not json", new byte[0]);
    assertFails(weights().toString(), "not valid JSON"); // warm up class loading
    long before = openFiles(fds);
    for (int i = 0; i < 50; i++) {
      assertFails(weights().toString(), "not valid JSON");
    }
    assertTrue(openFiles(fds) < before + 10, "open files grew from " + before + " to " + openFiles(fds));
  }

  private static long openFiles(Path fds) throws IOException {
    try (java.util.stream.Stream<Path> s = Files.list(fds)) {
      return s.count();
    }
  }

  // ---- tensors against the config ----

  @Test
  void missingTensorIsRefusedWithItsExpectedShape() throws IOException {
    Map<String, WeightSource> t = validTensors();
    t.remove("h.0.mlp.c_fc.weight");
    writeWeights(t);
    assertFails(weights().toString(), "missing tensor 'h.0.mlp.c_fc.weight'", "expected shape [8, 16]");
  }

  @Test
  void missingLlamaTensorIsRefusedUnderItsFileName() throws IOException {
    Map<String, WeightSource> t = fileNamed(LLAMA);
    t.remove("lm_head.weight");
    HfFolder.writeConfig(LLAMA, dir);
    write(t);
    assertFails(weights().toString(), "missing tensor 'lm_head.weight'", "expected shape [10, 8]");
  }

  @Test
  void wrongShapeIsRefusedWithExpectedAndActual() throws IOException {
    Map<String, WeightSource> t = validTensors();
    t.put("h.0.attn.c_attn.weight", WeightSource.of(new float[8 * 25], 8, 25));
    writeWeights(t);
    assertFails(weights().toString(), "'h.0.attn.c_attn.weight'", "has shape [8, 25]", "needs [8, 24]");
  }

  @Test
  void nanInAWeightIsRefused() throws IOException {
    writeWeights(withValue("h.0.ln_2.bias", 5, Float.NaN));
    assertFails(weights().toString(), "'h.0.ln_2.bias'", "NaN", "element 5", "finite");
  }

  @Test
  void infInAWeightIsRefused() throws IOException {
    writeWeights(withValue("wte.weight", 17, Float.NEGATIVE_INFINITY));
    assertFails(weights().toString(), "'wte.weight'", "-Infinity", "element 17", "finite");
  }

  @Test
  void missingFusedPhi3TensorIsRefusedWithItsExpectedShape() throws IOException {
    ModelConfig phi3 = family("phi3");
    Map<String, WeightSource> t = fileNamed(phi3);
    t.remove("model.layers.1.self_attn.qkv_proj.weight");
    HfFolder.writeConfig(phi3, dir);
    write(t);
    assertFails(weights().toString(), "missing tensor 'model.layers.1.self_attn.qkv_proj.weight'",
        "expected shape [64, 32]"); // (2 heads + 2 * 1 KV head) * 16
  }

  @Test
  void wrongShapeOfAQwen3NormIsRefused() throws IOException {
    ModelConfig qwen3 = family("qwen3");
    Map<String, WeightSource> t = fileNamed(qwen3);
    t.put("model.layers.0.self_attn.k_norm.weight", WeightSource.of(new float[32], 32));
    HfFolder.writeConfig(qwen3, dir);
    write(t);
    assertFails(weights().toString(), "'model.layers.0.self_attn.k_norm.weight'", "has shape [32]", "needs [16]");
  }

  @Test
  void unexpectedTensorIsRefusedRatherThanIgnored() throws IOException {
    ModelConfig qwen2 = family("qwen2");
    Map<String, WeightSource> t = fileNamed(qwen2);
    t.put("model.layers.0.self_attn.o_proj.bias", WeightSource.of(new float[32], 32));
    HfFolder.writeConfig(qwen2, dir);
    write(t);
    assertFails(weights().toString(), "unexpected tensor 'model.layers.0.self_attn.o_proj.bias'",
        "a qwen2 model with this config.json has no such weight");
  }

  @Test
  void missingQwen2BiasIsRefused() throws IOException {
    ModelConfig qwen2 = family("qwen2");
    Map<String, WeightSource> t = fileNamed(qwen2);
    t.remove("model.layers.1.self_attn.k_proj.bias");
    HfFolder.writeConfig(qwen2, dir);
    write(t);
    assertFails(weights().toString(), "missing tensor 'model.layers.1.self_attn.k_proj.bias'", "expected shape [8]");
  }

  @Test
  void tiedModelIgnoresAStoredOutputMatrixAsTransformersDoes() throws IOException {
    ModelConfig qwen3 = family("qwen3");
    assertTrue(qwen3.tieWordEmbeddings());
    Map<String, WeightSource> t = fileNamed(qwen3);
    t.put("lm_head.weight", WeightSource.of(new float[72 * 32], 72, 32));
    HfFolder.writeConfig(qwen3, dir);
    write(t);
    CausalLm.load(dir).close();
  }

  // ---- config.json ----

  @Test
  void unsupportedModelTypeIsRefusedListingSupportedOnes() throws IOException {
    writeConfig(GPT2, c -> c.addProperty("model_type", "mixtral"));
    assertFails(config(), "unsupported model_type 'mixtral'", "supported: gpt2, llama, mistral, qwen2, qwen3, gemma, gemma2, phi3");
  }

  @Test
  void headsNotDividingHiddenSizeAreRefused() throws IOException {
    writeConfig(GPT2, c -> c.addProperty("n_head", 3));
    assertFails(config(), "key 'n_embd' = 8 is not divisible by n_head=3");
    JsonObject llama = ModelFamily.toJson(LLAMA);
    llama.remove("head_dim");
    llama.addProperty("num_attention_heads", 3);
    llama.addProperty("num_key_value_heads", 1);
    Files.writeString(dir.resolve("config.json"), llama.toString());
    assertFails(config(), "key 'hidden_size' = 8 is not divisible by num_attention_heads=3");
  }

  @Test
  void headsNotAMultipleOfKvHeadsAreRefused() throws IOException {
    writeConfig(LLAMA, c -> {
      c.addProperty("num_attention_heads", 4);
      c.addProperty("head_dim", 2);
      c.addProperty("num_key_value_heads", 3);
    });
    assertFails(config(), "num_attention_heads=4", "not a multiple of num_key_value_heads=3");
  }

  @Test
  void nonIntegerConfigValueIsRefused() throws IOException {
    writeConfig(GPT2, c -> c.addProperty("n_layer", 2.5));
    assertFails(config(), "key 'n_layer' must be an integer >= 1, got 2.5");
    writeConfig(LLAMA, c -> c.addProperty("intermediate_size", "big"));
    assertFails(config(), "key 'intermediate_size' must be an integer", "big");
  }

  @Test
  void derivedSizesAreComputedIn64BitsAndRefusedWhenTooLarge() throws IOException {
    writeConfig(GPT2, c -> {
      c.addProperty("n_embd", 1_000_000_000);
      c.addProperty("n_head", 1);
      c.remove("n_inner");
    });
    assertFails(config(), "key 'n_embd' = 1000000000 makes the MLP width 4 * n_embd = 4000000000 (n_inner is not given),"
        + " more than 2147483647");
    writeConfig(LLAMA, c -> {
      c.addProperty("num_attention_heads", 65536);
      c.addProperty("num_key_value_heads", 65536);
      c.addProperty("head_dim", 65536);
    });
    assertFails(config(), "(num_attention_heads + 2 * num_key_value_heads) * head_dim = 12884901888 is more than 2147483647");
  }

  @Test
  void configThatIsNotJsonIsRefusedInOneLine() throws IOException {
    Files.writeString(dir.resolve("config.json"), "model_type = llama\n");
    String m = assertFails(config(), ": not valid JSON: ");
    Files.writeString(dir.resolve("config.json"), "[".repeat(100_000) + "]".repeat(100_000));
    m += assertFails(config() + ": not valid JSON: nested more than 100 levels deep");
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": {\"name\": \"llama\"}}");
    m += assertFails(config() + ": key 'model_type' must be a string, got {\"name\":\"llama\"}");
    assertTrue(!m.contains("Exception") && !m.contains("https://") && !m.contains("gson"), m);
  }

  // ---- helpers ----

  /** Loading fails with a one-line {@link CheckpointException} containing every fragment; returns the message. */
  private String assertFails(String... fragments) {
    CheckpointException e = assertThrows(CheckpointException.class, () -> CausalLm.load(dir).close());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
    }
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    return e.getMessage();
  }

  private Path weights() {
    return dir.resolve(HfFolder.WEIGHTS);
  }

  private String config() {
    return dir.resolve(HfFolder.CONFIG).toString();
  }

  private void writeConfig(ModelConfig base, Consumer<JsonObject> edit) throws IOException {
    JsonObject json = ModelFamily.toJson(base);
    edit.accept(json);
    Files.writeString(dir.resolve(HfFolder.CONFIG), json.toString());
  }

  /** The tiny model of that family from {@link TinyModels#all()}. */
  private static ModelConfig family(String modelType) {
    return TinyModels.all().stream().map(TinyModels.Named::config)
        .filter(c -> c.family().modelType().equals(modelType)).findFirst().orElseThrow();
  }

  private static Map<String, WeightSource> validTensors() {
    return fileNamed(GPT2);
  }

  private static Map<String, WeightSource> fileNamed(ModelConfig c) {
    Map<String, WeightSource> out = new LinkedHashMap<>();
    RandomWeights.create(c, 1).tensors().forEach((k, v) -> out.put(c.family().fileName(k), v));
    return out;
  }

  private static Map<String, WeightSource> withValue(String name, int index, float value) {
    Map<String, WeightSource> t = validTensors();
    WeightSource w = t.get(name);
    float[] data = TinyModels.floats(w);
    data[index] = value;
    t.put(name, WeightSource.of(data, w.shape()));
    return t;
  }

  private void writeWeights(Map<String, WeightSource> tensors) throws IOException {
    HfFolder.writeConfig(GPT2, dir);
    write(tensors);
  }

  private void write(Map<String, WeightSource> tensors) throws IOException {
    try (OutputStream out = Files.newOutputStream(weights())) {
      SafetensorsWriter.write(tensors, out);
    }
  }
}
