package dev.sparkgen.model.generate.constraint;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Tokenizers for the constraint tests: the real GPT-2 one, and made-up SentencePiece-style ones. */
public final class TestTokenizers {
  /** The GPT-2 tokenizer.json in the model module's test resources. */
  public static final Path GPT2 = Path.of("src/test/resources/tokenizers/gpt2/tokenizer.json");

  /** The pieces after the specials and the 256 byte tokens of {@link #sentencePiece}. */
  static final List<String> PIECES = List.of("\u2581", "\u2581yes", "\u2581no", "yes", "{", "\u2581{", "\"", "a", "\u2581a",
      "é", "中", "\u2581\u2581", "o");

  private TestTokenizers() {}

  /** Number of token ids of {@link #sentencePiece}: specials, bytes, pieces. */
  public static int sentencePieceVocab() {
    return 3 + 256 + PIECES.size();
  }

  /**
   * A Llama-style byte-fallback BPE written to {@code dir}: {@code <unk> <s> </s>}, {@code <0x00>}
   * .. {@code <0xFF>} (ids 3..258), then {@link #PIECES}; decoder either the Llama Sequence
   * (Replace, ByteFallback, Fuse, Strip) or a Metaspace decoder.
   */
  public static Path sentencePiece(Path dir, boolean metaspaceDecoder) {
    JsonObject vocab = new JsonObject();
    JsonArray added = new JsonArray();
    String[] special = {"<unk>", "<s>", "</s>"};
    for (int i = 0; i < special.length; i++) {
      vocab.addProperty(special[i], i);
      JsonObject t = new JsonObject();
      t.addProperty("id", i);
      t.addProperty("content", special[i]);
      t.addProperty("special", true);
      t.addProperty("single_word", false);
      t.addProperty("lstrip", false);
      t.addProperty("rstrip", false);
      t.addProperty("normalized", false);
      added.add(t);
    }
    for (int b = 0; b < 256; b++) {
      vocab.addProperty(String.format("<0x%02X>", b), vocab.size());
    }
    for (String p : PIECES) {
      vocab.addProperty(p, vocab.size());
    }
    JsonObject model = new JsonObject();
    model.addProperty("type", "BPE");
    model.addProperty("unk_token", "<unk>");
    model.addProperty("byte_fallback", true);
    model.addProperty("fuse_unk", true);
    model.add("vocab", vocab);
    model.add("merges", new JsonArray());
    JsonObject decoder = metaspaceDecoder ? metaspace() : llamaSequence();
    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("added_tokens", added);
    root.add("model", model);
    root.add("decoder", decoder);
    Path file = dir.resolve(metaspaceDecoder ? "metaspace.json" : "llama.json");
    try {
      Files.writeString(file, new Gson().toJson(root));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private static JsonObject llamaSequence() {
    JsonObject replace = new JsonObject();
    replace.addProperty("type", "Replace");
    JsonObject pattern = new JsonObject();
    pattern.addProperty("String", "\u2581");
    replace.add("pattern", pattern);
    replace.addProperty("content", " ");
    JsonObject byteFallback = new JsonObject();
    byteFallback.addProperty("type", "ByteFallback");
    JsonObject fuse = new JsonObject();
    fuse.addProperty("type", "Fuse");
    JsonObject strip = new JsonObject();
    strip.addProperty("type", "Strip");
    strip.addProperty("content", " ");
    strip.addProperty("start", 1);
    strip.addProperty("stop", 0);
    JsonArray steps = new JsonArray();
    steps.add(replace);
    steps.add(byteFallback);
    steps.add(fuse);
    steps.add(strip);
    JsonObject seq = new JsonObject();
    seq.addProperty("type", "Sequence");
    seq.add("decoders", steps);
    return seq;
  }

  private static JsonObject metaspace() {
    JsonObject m = new JsonObject();
    m.addProperty("type", "Metaspace");
    m.addProperty("replacement", "\u2581");
    m.addProperty("prepend_scheme", "always");
    m.addProperty("split", true);
    return m;
  }
}
