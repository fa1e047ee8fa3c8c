package dev.sparkgen.model.generate.logits;

/**
 * Nucleus filtering as Hugging Face's TopPLogitsWarper does it: sort ascending, softmax,
 * cumulative sum (float32); remove tokens whose cumulative mass is {@code <= 1 - top_p} (a token
 * exactly on the boundary is removed), always keeping the {@code minTokensToKeep} highest.
 */
public final class TopPWarper implements LogitsProcessor {
  private final float removeAtOrBelow;
  private final int minTokensToKeep;

  /** {@code topP} in (0, 1]. */
  public TopPWarper(double topP, int minTokensToKeep) {
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    }
    if (minTokensToKeep < 1) {
      throw new IllegalArgumentException("min_tokens_to_keep must be >= 1, got " + minTokensToKeep);
    }
    this.removeAtOrBelow = (float) (1 - topP); // torch compares the float32 cumsum with a float32 scalar
    this.minTokensToKeep = minTokensToKeep;
  }

  @Override
  public void process(TokenHistory history, float[] scores) {
    SortedScores sorted = SortedScores.of(scores);
    int n = sorted.index.length;
    float cumulative = 0f;
    for (int j = 0; j < n - minTokensToKeep; j++) { // the last minTokensToKeep (highest) always stay
      cumulative += sorted.prob[j];
      if (cumulative <= removeAtOrBelow) {
        scores[sorted.index[j]] = Float.NEGATIVE_INFINITY;
      } else {
        break; // the cumulative sum only grows
      }
    }
  }
}
