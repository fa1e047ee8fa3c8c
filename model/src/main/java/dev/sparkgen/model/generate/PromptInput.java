package dev.sparkgen.model.generate;

import dev.sparkgen.model.generate.constraint.TokenConstraint;

/**
 * One prompt to generate for.
 *
 * @param key a stable 64-bit key of the row (e.g. a hash of its id): with the seed and the sample
 *     index it alone determines the row's random stream, whatever batch or partition it lands in
 * @param tokenIds the prompt's token ids, non-empty
 * @param constraint the response format its output must follow, or null for free text
 * @param config this prompt's own generation settings (per-row overrides), or null for the
 *     {@link Generator}'s; the prompt's result is what a Generator with these settings gives it
 */
public record PromptInput(long key, int[] tokenIds, TokenConstraint constraint, GenerationConfig config) {

  /** A prompt with no response format. */
  public PromptInput(long key, int[] tokenIds) {
    this(key, tokenIds, null, null);
  }

  /** A prompt with the generator's settings. */
  public PromptInput(long key, int[] tokenIds, TokenConstraint constraint) {
    this(key, tokenIds, constraint, null);
  }
}
