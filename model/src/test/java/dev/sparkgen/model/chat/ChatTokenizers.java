package dev.sparkgen.model.chat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.model.tokenizer.TestTokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Tokenizers for chat tests and benchmarks: GPT-2's byte-level BPE (the scheme of Llama 3 and
 * Qwen, 50257 tokens) with a chat template's special tokens added after its vocabulary, so each
 * encodes as one id, optionally with a Llama-3-style post-processor that puts BOS before every
 * sequence encoded with special tokens.
 */
public final class ChatTokenizers {
  /** GPT-2's vocabulary size; the first added token gets this id. */
  public static final int GPT2_VOCAB = 50257;

  private ChatTokenizers() {}

  /**
   * Writes {@code dir/tokenizer.json}: GPT-2 plus {@code specials} as special added tokens with ids
   * 50257, 50258, ... in order; with {@code bos} not null, a TemplateProcessing post-processor adds
   * it in front when special tokens are added (as Llama 3's tokenizer.json does).
   *
   * @return the file
   */
  public static Path write(Path dir, List<String> specials, String bos) throws IOException {
    JsonObject root = JsonParser.parseString(Files.readString(TestTokenizers.GPT2)).getAsJsonObject();
    JsonArray added = root.getAsJsonArray("added_tokens");
    int id = GPT2_VOCAB;
    for (String s : specials) {
      added.add(TestTokenizers.addedToken(id++, s, true));
    }
    if (bos != null) {
      int bosId = GPT2_VOCAB + specials.indexOf(bos);
      root.add("post_processor", JsonParser.parseString("{\"type\": \"TemplateProcessing\","
          + "\"single\": [{\"SpecialToken\": {\"id\": \"" + bos + "\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}],"
          + "\"pair\": [{\"SpecialToken\": {\"id\": \"" + bos + "\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}},"
          + " {\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}],"
          + "\"special_tokens\": {\"" + bos + "\": {\"id\": \"" + bos + "\", \"ids\": [" + bosId + "], \"tokens\": [\"" + bos + "\"]}}}"));
    }
    Files.createDirectories(dir);
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, root.toString());
    return file;
  }

  /** The id {@link #write} gave {@code special}. */
  public static int id(List<String> specials, String special) {
    int i = specials.indexOf(special);
    if (i < 0) {
      throw new IllegalArgumentException(special + " is not in " + specials);
    }
    return GPT2_VOCAB + i;
  }
}
