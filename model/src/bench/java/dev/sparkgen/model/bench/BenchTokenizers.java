package dev.sparkgen.model.bench;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A tokenizer.json for each benchmark checkpoint: Jlama refuses a model folder without one. The
 * benchmarks feed token ids, so the tokenizer is never used to encode: GPT-2 gets the real GPT-2
 * tokenizer; the Llama shape gets a made-up byte-fallback BPE of exactly vocab_size entries
 * ({@code <unk> <s> </s>}, 256 byte tokens, then placeholder words, no merges).
 */
final class BenchTokenizers {
  static final Path GPT2 = Path.of("model/src/test/resources/tokenizers/gpt2/tokenizer.json");

  private BenchTokenizers() {}

  static void write(ModelConfig config, Path dir) throws IOException {
    Path target = dir.resolve("tokenizer.json");
    if (Files.isRegularFile(target)) {
      return;
    }
    if (config.family() == ModelFamily.GPT2) {
      Path src = Files.isRegularFile(GPT2) ? GPT2 : Path.of("..").resolve(GPT2);
      Files.copy(src, target, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    JsonObject vocab = new JsonObject();
    JsonArray added = new JsonArray();
    String[] special = {"<unk>", "<s>", "</s>"};
    for (int i = 0; i < special.length; i++) {
      vocab.addProperty(special[i], i);
      JsonObject t = new JsonObject();
      t.addProperty("id", i);
      t.addProperty("content", special[i]);
      t.addProperty("special", true);
      added.add(t);
    }
    for (int b = 0; b < 256; b++) {
      vocab.addProperty(String.format("<0x%02X>", b), vocab.size());
    }
    for (int w = 0; vocab.size() < config.vocabSize(); w++) {
      vocab.addProperty("\u2581t" + w, vocab.size());
    }
    JsonObject model = new JsonObject();
    model.addProperty("type", "BPE");
    model.addProperty("unk_token", "<unk>");
    model.addProperty("byte_fallback", true);
    model.addProperty("fuse_unk", true);
    model.add("vocab", vocab);
    model.add("merges", new JsonArray());
    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("added_tokens", added);
    root.add("model", model);
    Files.writeString(target, new Gson().toJson(root));
  }
}
