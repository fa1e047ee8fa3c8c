package dev.sparkgen.model.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The demo model's tokenizer: one token per UTF-8 byte (ids 0..255) plus {@code <|endoftext|>}
 * (id 256). Written as a Hugging Face {@code tokenizer.json} (byte-level BPE with no merges, GPT-2's
 * byte-to-unicode alphabet) so DJL's tokenizers load it like any other.
 */
public final class ByteTokenizer {
  /** End of text: separates fortunes in training and stops generation. */
  public static final int EOS = 256;
  /** Vocabulary size: 256 bytes plus eos. */
  public static final int VOCAB = 257;

  private ByteTokenizer() {}

  /** Token ids of a text: its UTF-8 bytes. */
  public static int[] encode(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    int[] ids = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      ids[i] = b[i] & 0xff;
    }
    return ids;
  }

  /** Writes {@code tokenizer.json} into {@code dir}. */
  public static void write(Path dir) throws IOException {
    JsonObject byteLevel = new JsonObject();
    byteLevel.addProperty("type", "ByteLevel");
    byteLevel.addProperty("add_prefix_space", false);
    byteLevel.addProperty("trim_offsets", true);
    byteLevel.addProperty("use_regex", true);

    JsonObject eos = new JsonObject();
    eos.addProperty("id", EOS);
    eos.addProperty("content", "<|endoftext|>");
    eos.addProperty("single_word", false);
    eos.addProperty("lstrip", false);
    eos.addProperty("rstrip", false);
    eos.addProperty("normalized", false);
    eos.addProperty("special", true);
    JsonArray added = new JsonArray();
    added.add(eos);

    JsonObject vocab = new JsonObject();
    char[] alphabet = byteAlphabet();
    for (int b = 0; b < 256; b++) {
      vocab.addProperty(String.valueOf(alphabet[b]), b);
    }
    JsonObject model = new JsonObject();
    model.addProperty("type", "BPE");
    model.addProperty("fuse_unk", false);
    model.addProperty("byte_fallback", false);
    model.add("vocab", vocab);
    model.add("merges", new JsonArray());

    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("added_tokens", added);
    root.add("pre_tokenizer", byteLevel);
    root.add("decoder", byteLevel);
    root.add("model", model);
    Files.writeString(dir.resolve("tokenizer.json"),
        new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root) + "\n", StandardCharsets.UTF_8);
  }

  /**
   * GPT-2's byte-to-unicode map: printable bytes stand for themselves, the rest are shifted to
   * code points from 256 up, so every byte has a visible, whitespace-free character.
   */
  static char[] byteAlphabet() {
    char[] out = new char[256];
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      out[b] = printable ? (char) b : (char) next++;
    }
    return out;
  }
}
