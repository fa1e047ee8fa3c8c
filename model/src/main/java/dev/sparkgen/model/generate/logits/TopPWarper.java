package dev.sparkgen.model.generate.logits;

/**
 * Nucleus filtering as Hugging Face's TopPLogitsWarper does it: sort ascending, softmax (float32),
 * cumulative sum; remove tokens whose cumulative mass is {@code <= 1 - top_p} (a token exactly on
 * the boundary is removed), always keeping the {@code minTokensToKeep} highest. The cumulative
 * sum adds the float32 probabilities in double and rounds each position to float32, as
 * {@code torch.cumsum} does on the CPU (its accumulator for float32 is double: the cumulative sum
 * of 1 followed by 2000 times 1e-8 ends at 1.00002 there, at 1.0 in float32), and compares it with
 * the float32 {@code 1 - top_p}.
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
    double cumulative = sorted.belowMass;
    for (int j = 0; j < n - minTokensToKeep; j++) { // the last minTokensToKeep (highest) always stay
      cumulative += sorted.prob[j];
      if ((float) cumulative <= removeAtOrBelow) {
        scores[sorted.index[j]] = Float.NEGATIVE_INFINITY;
      } else {
        break; // the cumulative sum only grows
      }
    }
  }
}
