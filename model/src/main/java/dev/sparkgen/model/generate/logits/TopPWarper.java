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
    // Tokens below (1 - top_p) / V cannot together exceed 1 - top_p, and they come first in the
    // ascending order: they are removed without being sorted, and only the rest is sorted.
    SortedScores sorted = SortedScores.of(scores, removeAtOrBelow / scores.length);
    if (sorted.index.length < minTokensToKeep) {
      sorted = SortedScores.of(scores); // too few above the floor: the kept minimum may lie below it
    }
    boolean[] sortedToken = new boolean[scores.length];
    for (int id : sorted.index) {
      sortedToken[id] = true;
    }
    for (int i = 0; i < scores.length; i++) {
      if (!sortedToken[i]) {
        scores[i] = Float.NEGATIVE_INFINITY;
      }
    }
    int n = sorted.index.length;
    float cumulative = sorted.belowMass;
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
