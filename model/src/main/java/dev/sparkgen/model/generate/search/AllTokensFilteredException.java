package dev.sparkgen.model.generate.search;

/**
 * Sampling found nothing to draw: after the logits processors (no_repeat_ngram_size, top-k, top-p,
 * min-p, a constraint, ...) every token of a row scored -inf or NaN. Hugging Face's
 * {@code generate} fails there too ({@code torch.multinomial} refuses a distribution without mass);
 * greedy search instead keeps {@code torch.argmax}'s choice, the first index.
 *
 * <p>The message names the step: {@code every token was filtered out at step 4 (after 3 generated
 * tokens); sampling has nothing to draw from}.
 */
public final class AllTokensFilteredException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int step;

  /** {@code step}: the 1-based index of the token that could not be drawn. */
  public AllTokensFilteredException(int step, boolean nan) {
    super((nan ? "the scores were NaN" : "every token was filtered out") + " at step " + step + " (after " + (step - 1)
        + " generated tokens); sampling has nothing to draw from");
    this.step = step;
  }

  /** The 1-based index of the token that could not be drawn. */
  public int step() {
    return step;
  }
}
