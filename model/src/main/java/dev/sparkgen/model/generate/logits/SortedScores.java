package dev.sparkgen.model.generate.logits;

import java.util.Arrays;

/**
 * The finite scores of a row in ascending order (ties by ascending index, like a stable sort),
 * with their float32 softmax probabilities: what top-p and min-p work on. -inf entries have zero
 * probability and are left out.
 */
final class SortedScores {
  final int[] index; // token ids, ascending score
  final float[] prob; // softmax probability of each, same order

  private SortedScores(int[] index, float[] prob) {
    this.index = index;
    this.prob = prob;
  }

  static SortedScores of(float[] scores) {
    int n = 0;
    long[] keys = new long[scores.length];
    for (int i = 0; i < scores.length; i++) {
      if (scores[i] != Float.NEGATIVE_INFINITY) {
        keys[n++] = ((long) sortable(scores[i]) << 32) | i; // score in the high bits, index breaks ties
      }
    }
    keys = Arrays.copyOf(keys, n);
    Arrays.sort(keys);
    int[] index = new int[n];
    float[] prob = new float[n];
    float max = n == 0 ? 0f : scores[(int) keys[n - 1]];
    double sum = 0;
    for (int j = 0; j < n; j++) {
      index[j] = (int) keys[j];
      prob[j] = (float) Math.exp((double) scores[index[j]] - max);
      sum += prob[j];
    }
    for (int j = 0; j < n; j++) {
      prob[j] = (float) (prob[j] / sum);
    }
    return new SortedScores(index, prob);
  }

  /** Maps a float to an int whose signed order is the float's order. */
  private static int sortable(float f) {
    int bits = Float.floatToIntBits(f);
    return bits >= 0 ? bits : bits ^ 0x7fffffff;
  }
}
