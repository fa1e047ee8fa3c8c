package dev.sparkgen.model.tokenizer;

import java.nio.file.Path;

/**
 * A model folder's {@code tokenizer.json}, through DJL's Hugging Face tokenizers. STUB: the
 * decoding work replaces the bodies; the signatures are the contract the Spark job compiles against.
 */
public final class Tokenizer implements AutoCloseable {

  /** Loads {@code tokenizer.json} (a file, or a folder holding one); errors name the file. */
  public static Tokenizer load(Path path) {
    throw new UnsupportedOperationException("stub");
  }

  /** Token ids of {@code text}, with no special tokens added. */
  public int[] encode(String text) {
    throw new UnsupportedOperationException("stub");
  }

  /** Text of {@code ids}; special tokens skipped when asked. */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    throw new UnsupportedOperationException("stub");
  }

  @Override
  public void close() {}
}
