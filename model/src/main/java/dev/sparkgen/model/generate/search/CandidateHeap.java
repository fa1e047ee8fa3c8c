package dev.sparkgen.model.generate.search;

/**
 * The top K (score, flat index) pairs of a stream, best first on output; ties rank the lower
 * index first. A size-K min-heap, so the (beams x vocab) scores are never sorted in full.
 */
final class CandidateHeap {
  private final double[] score;
  private final int[] index;
  private int size;

  CandidateHeap(int k) {
    score = new double[k];
    index = new int[k];
  }

  /** Whether (s, i) ranks below (t, j): lower score, or the same score and a higher index. */
  private static boolean worse(double s, int i, double t, int j) {
    return s < t || (s == t && i > j);
  }

  void offer(double s, int i) {
    if (size < score.length) {
      score[size] = s;
      index[size] = i;
      siftUp(size++);
    } else if (worse(score[0], index[0], s, i)) {
      score[0] = s;
      index[0] = i;
      siftDown(0);
    }
  }

  /** Drains the heap: flat indices best first (scores in {@code scoresOut}). */
  int[] drain(double[] scoresOut) {
    int n = size;
    int[] out = new int[n];
    for (int k = n - 1; k >= 0; k--) {
      out[k] = index[0];
      scoresOut[k] = score[0];
      size--;
      score[0] = score[size];
      index[0] = index[size];
      siftDown(0);
    }
    return out;
  }

  int size() {
    return size;
  }

  private void siftUp(int i) {
    while (i > 0) {
      int p = (i - 1) / 2;
      if (!worse(score[i], index[i], score[p], index[p])) {
        return;
      }
      swap(i, p);
      i = p;
    }
  }

  private void siftDown(int i) {
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int m = i;
      if (l < size && worse(score[l], index[l], score[m], index[m])) {
        m = l;
      }
      if (r < size && worse(score[r], index[r], score[m], index[m])) {
        m = r;
      }
      if (m == i) {
        return;
      }
      swap(i, m);
      i = m;
    }
  }

  private void swap(int a, int b) {
    double s = score[a];
    score[a] = score[b];
    score[b] = s;
    int x = index[a];
    index[a] = index[b];
    index[b] = x;
  }
}
