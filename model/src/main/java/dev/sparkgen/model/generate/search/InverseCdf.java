package dev.sparkgen.model.generate.search;

/**
 * Draws a token from softmax(scores) with one uniform u: the first index (in index order) whose
 * cumulative probability exceeds {@code u * total}; the golden reference draws the same way.
 */
public final class InverseCdf {
  private InverseCdf() {}

  /** The drawn token; -inf scores have zero probability and are never drawn. */
  public static int draw(float[] scores, double u) {
    double[] weights = weights(scores);
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    if (!(total > 0) || Double.isInfinite(total)) {
      return TokenSelector.argmax(scores); // nothing drawable (every token banned, or NaN logits)
    }
    double target = u * total;
    double cumulative = 0;
    int lastPossible = -1;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        cumulative += weights[i];
        lastPossible = i;
        if (cumulative > target) {
          return i;
        }
      }
    }
    return lastPossible; // u * total rounded up to the total
  }

  /** Unnormalised softmax weights exp(s - max), [vocab]. */
  public static double[] weights(float[] scores) {
    float max = Float.NEGATIVE_INFINITY;
    for (float s : scores) {
      if (s > max) { // plain comparison: Math.max(float) pays for NaN and -0 handling
        max = s;
      }
    }
    double[] w = new double[scores.length];
    for (int i = 0; i < scores.length; i++) {
      w[i] = scores[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp((double) scores[i] - max);
    }
    return w;
  }

  /** softmax(scores): the distribution sampling draws from, [vocab]. */
  public static double[] probabilities(float[] scores) {
    double[] w = weights(scores);
    double total = 0;
    for (double x : w) {
      total += x;
    }
    for (int i = 0; i < w.length; i++) {
      w[i] /= total;
    }
    return w;
  }
}
