package dev.sparkgen.model.tokenizer;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Tokenizer files for tests and benchmark programs: the real GPT-2 one in test resources, and
 * made-up Llama-style byte-fallback BPEs (SentencePiece converted by Hugging Face: {@code <unk> <s>
 * </s>}, the 256 byte tokens, then whole pieces, no merges).
 */
public final class TestTokenizers {
  /**
   * The GPT-2 tokenizer.json in the model module's test resources, found from the module's folder
   * (tests) or from the repository root (benchmark programs).
   */
  public static final Path GPT2 = Files.isRegularFile(Path.of("src/test/resources/tokenizers/gpt2/tokenizer.json"))
      ? Path.of("src/test/resources/tokenizers/gpt2/tokenizer.json")
      : Path.of("model/src/test/resources/tokenizers/gpt2/tokenizer.json");

  /** The pieces after the specials and the 256 byte tokens of {@link #sentencePiece}. */
  public static final List<String> PIECES = List.of("\u2581", "\u2581yes", "\u2581no", "yes", "{", "\u2581{", "\"", "a",
      "\u2581a", "é", "中", "\u2581\u2581", "o");

  /** Id of the first piece of a {@link #byteFallbackBpe}: after the 3 specials and the 256 byte tokens. */
  public static final int FIRST_PIECE = 3 + 256;

  /** The decoder a {@link #byteFallbackBpe} file declares. */
  public enum Decoder {
    /** None: the file only encodes (checkpoint folders of the benchmarks, whose prompts are ids). */
    NONE,
    /** Llama's Sequence: Replace ▁ by a space, ByteFallback, Fuse, Strip one leading space. */
    LLAMA,
    /** Metaspace (replacement ▁, prepend_scheme always). */
    METASPACE
  }

  private TestTokenizers() {}

  /** Number of token ids of {@link #sentencePiece}: specials, bytes, pieces. */
  public static int sentencePieceVocab() {
    return FIRST_PIECE + PIECES.size();
  }

  /**
   * {@link #byteFallbackBpe} of {@link #PIECES}, written to {@code dir/llama.json} (Llama decoder) or
   * {@code dir/metaspace.json} (Metaspace decoder).
   */
  public static Path sentencePiece(Path dir, boolean metaspaceDecoder) {
    Path file = dir.resolve(metaspaceDecoder ? "metaspace.json" : "llama.json");
    try {
      return byteFallbackBpe(file, PIECES, metaspaceDecoder ? Decoder.METASPACE : Decoder.LLAMA);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes a Llama-style byte-fallback BPE tokenizer.json to {@code file}: {@code <unk> <s> </s>}
   * (ids 0..2, special added tokens), {@code <0x00>} .. {@code <0xFF>} (ids 3..258), then
   * {@code pieces} in order from {@link #FIRST_PIECE}; no merges, so a text encodes as whole pieces
   * or, failing that, bytes.
   *
   * @return {@code file}
   */
  public static Path byteFallbackBpe(Path file, List<String> pieces, Decoder decoder) throws IOException {
    JsonObject vocab = new JsonObject();
    JsonArray added = new JsonArray();
    String[] special = {"<unk>", "<s>", "</s>"};
    for (int i = 0; i < special.length; i++) {
      vocab.addProperty(special[i], i);
      added.add(addedToken(i, special[i], true));
    }
    for (int b = 0; b < 256; b++) {
      vocab.addProperty(String.format("<0x%02X>", b), vocab.size());
    }
    for (String p : pieces) {
      vocab.addProperty(p, vocab.size());
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
    switch (decoder) {
      case LLAMA -> root.add("decoder", llamaSequence());
      case METASPACE -> root.add("decoder", metaspace());
      case NONE -> { }
    }
    Files.writeString(file, new Gson().toJson(root));
    return file;
  }

  /**
   * One entry of a tokenizer.json's {@code added_tokens}, as Hugging Face writes an {@code
   * AddedToken}: not single-word, no stripping, normalized unless special (its default).
   */
  public static JsonObject addedToken(int id, String content, boolean special) {
    JsonObject t = new JsonObject();
    t.addProperty("id", id);
    t.addProperty("content", content);
    t.addProperty("single_word", false);
    t.addProperty("lstrip", false);
    t.addProperty("rstrip", false);
    t.addProperty("normalized", !special);
    t.addProperty("special", special);
    return t;
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
