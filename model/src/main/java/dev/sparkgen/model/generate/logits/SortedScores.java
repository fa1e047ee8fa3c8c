package dev.sparkgen.model.generate.logits;

import java.util.Arrays;

/**
 * A row's tokens in ascending score order (ties by ascending index, like a stable sort) with their
 * float32 softmax probabilities: what top-p and min-p work on. -inf entries have zero probability
 * and are left out; so, when asked, are tokens below a probability floor, whose float32
 * probabilities are summed in double into {@link #belowMass} (they would all come first in the
 * ascending order).
 */
final class SortedScores {
  final int[] index; // token ids, ascending score
  final float[] prob; // softmax probability of each, same order
  final double belowMass; // sum of the float32 probabilities left out for being below the floor

  private SortedScores(int[] index, float[] prob, double belowMass) {
    this.index = index;
    this.prob = prob;
    this.belowMass = belowMass;
  }

  /** Every finite token, sorted. */
  static SortedScores of(float[] scores) {
    return of(scores, 0.0);
  }

  /** The tokens whose probability is at least {@code floor}, sorted; the rest summed. */
  static SortedScores of(float[] scores, double floor) {
    float max = Float.NEGATIVE_INFINITY;
    for (float s : scores) {
      if (s > max) {
        max = s;
      }
    }
    double[] weight = new double[scores.length];
    double total = 0;
    for (int i = 0; i < scores.length; i++) {
      weight[i] = scores[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp((double) scores[i] - max);
      total += weight[i];
    }
    double minWeight = Math.max(Double.MIN_VALUE, floor * total); // zero weights never enter
    int n = 0;
    double below = 0;
    for (double w : weight) {
      if (w >= minWeight) {
        n++;
      } else {
        below += (float) (w / total);
      }
    }
    long[] keys = new long[n];
    int filled = 0;
    for (int i = 0; i < scores.length; i++) {
      if (weight[i] >= minWeight) {
        // Score in the high bits, index breaks ties; + 0f turns -0.0 into 0.0, which torch.sort
        // (IEEE order) ties with 0.0 where the bit order would put it first.
        keys[filled++] = ((long) sortable(scores[i] + 0f) << 32) | i;
      }
    }
    Arrays.sort(keys);
    int[] index = new int[n];
    float[] prob = new float[n];
    for (int j = 0; j < n; j++) {
      index[j] = (int) keys[j];
      prob[j] = (float) (weight[index[j]] / total);
    }
    return new SortedScores(index, prob, below);
  }

  /** Maps a float to an int whose signed order is the float's order. */
  private static int sortable(float f) {
    int bits = Float.floatToIntBits(f);
    return bits >= 0 ? bits : bits ^ 0x7fffffff;
  }
}
