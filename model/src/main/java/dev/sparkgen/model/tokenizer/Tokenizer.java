package dev.sparkgen.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import dev.sparkgen.model.DjlEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model folder's {@code tokenizer.json}, through DJL's Hugging Face tokenizers (Rust natives
 * shipped in the tokenizers jar, extracted offline). Encoding never truncates or pads; special
 * tokens are added only when asked ({@link #encode(String, boolean)}), through the file's own
 * post-processor, as Hugging Face {@code tokenizer(text)} does.
 */
public final class Tokenizer implements AutoCloseable {
  /** The file name inside a model folder. */
  public static final String FILE = "tokenizer.json";

  private static final Map<String, String> OPTIONS =
      Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

  private final HuggingFaceTokenizer tokenizer;
  private final Path file;

  private Tokenizer(HuggingFaceTokenizer tokenizer, Path file) {
    this.tokenizer = tokenizer;
    this.file = file;
  }

  /** Loads {@code tokenizer.json} (a file, or a folder holding one); errors name the file. */
  public static Tokenizer load(Path path) {
    Path name = path.getFileName();
    Path file = name != null && name.toString().endsWith(".json") ? path : path.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("tokenizer file not found: " + file);
    }
    DjlEnvironment.apply(); // offline: the natives come from the jar, nothing is downloaded
    try {
      return new Tokenizer(HuggingFaceTokenizer.newInstance(file, OPTIONS), file);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  /** Token ids of {@code text}, with no special tokens added. */
  public int[] encode(String text) {
    return encode(text, false);
  }

  /**
   * Token ids of {@code text}. With {@code addSpecialTokens} the tokenizer.json's post-processor
   * runs, as in Hugging Face {@code tokenizer(text)} (its default {@code add_special_tokens=True}):
   * a Llama {@code TemplateProcessing} prepends {@code <s>} / {@code <|begin_of_text|>}, GPT-2's
   * {@code ByteLevel} post-processor adds nothing. Errors come from the Rust tokenizer (e.g. a
   * WordLevel vocabulary without its unknown token).
   *
   * <p>Goes to the native library for the ids only: DJL's {@code encode} also copies tokens,
   * offsets and masks back into Java, which doubled the cost of a chat prompt (DJL's text
   * pre-processing, prefix space / lower case / accents, is off with this tokenizer's options, so
   * the ids are the same).
   */
  public int[] encode(String text, boolean addSpecialTokens) {
    long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, addSpecialTokens);
    long[] ids;
    try {
      ids = TokenizersLibrary.LIB.getTokenIds(encoding);
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /** Text of {@code ids}; special tokens skipped when asked. */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    long[] longs = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      longs[i] = ids[i];
    }
    return tokenizer.decode(longs, skipSpecialTokens);
  }

  /** The tokenizer.json this was loaded from. */
  public Path file() {
    return file;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
