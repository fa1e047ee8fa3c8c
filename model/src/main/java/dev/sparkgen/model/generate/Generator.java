package dev.sparkgen.model.generate;

import dev.sparkgen.model.BatchModel;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.util.List;

/**
 * Batched generation over a {@link BatchModel}. STUB: the decoding work replaces the bodies; the
 * signatures are the contract the Spark job compiles against.
 */
public final class Generator {

  /** {@code tokenizer} may be null (then no text and no stop strings). */
  public Generator(BatchModel model, GenerationConfig config, Tokenizer tokenizer) {
    throw new UnsupportedOperationException("stub");
  }

  /**
   * Generates for every prompt, batching internally up to {@code batchSize} rows; returns, in
   * input order, each prompt's num_return_sequences sequences (sampleIndex 0..n-1).
   */
  public List<List<Sequence>> generate(List<PromptInput> prompts, int batchSize) {
    throw new UnsupportedOperationException("stub");
  }
}
