package dev.sparkgen.model.generate.logits;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * Keeps every token whose score is at least the k-th largest (ties at the boundary all survive, so
 * more than k may remain) and sets the rest to -inf, as Hugging Face's TopKLogitsWarper does.
 */
public final class TopKWarper implements LogitsProcessor {
  private final int k;

  /** {@code topK} >= 1 (0 means "disabled" and is not built by the factory); at least {@code minTokensToKeep} survive. */
  public TopKWarper(int topK, int minTokensToKeep) {
    if (topK < 1) {
      throw new IllegalArgumentException("top_k must be >= 1 here, got " + topK);
    }
    this.k = Math.max(topK, minTokensToKeep);
  }

  @Override
  public void process(TokenHistory history, float[] scores) {
    int kk = Math.min(k, scores.length);
    float threshold = kthLargest(scores, kk);
    for (int i = 0; i < scores.length; i++) {
      if (scores[i] < threshold) {
        scores[i] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  @Override
  public boolean runsOnDevice() {
    return true;
  }

  /**
   * HF's form: {@code scores < topk(scores, k).values[..., -1]} are removed. From the full form
   * the survivors (every token at least the k-th largest, ties included) become the compact form.
   */
  @Override
  public DeviceScores process(List<TokenHistory> histories, DeviceScores scores) {
    NDArray v = scores.values();
    long width = v.getShape().get(1);
    if (k >= width) {
      return scores; // the k-th largest is the lowest candidate or -inf: nothing lies below it
    }
    int[] axis = {1};
    NDArray kth = v.topK(k, 1, true, false).get(0).min(axis, true); // [rows, 1]
    if (scores.isCompact()) {
      return scores.remove(v.lt(kth));
    }
    int most = (int) Math.max(k, v.gte(kth).sum(axis).max().getLong()); // survivors of the row with the most ties
    NDList top = v.topK(most, 1, true, false); // [rows, most]
    NDArray order = top.get(1).argSort(1, true); // by token id
    NDArray values = top.get(0).gather(order, 1);
    return DeviceScores.compact(values, top.get(1).gather(order, 1), scores.vocab()).remove(values.lt(kth));
  }

  /** The k-th largest value, with a size-k min-heap: O(V log k), no full sort of the vocabulary. */
  static float kthLargest(float[] values, int k) {
    float[] heap = new float[k];
    System.arraycopy(values, 0, heap, 0, k);
    for (int i = k / 2 - 1; i >= 0; i--) {
      siftDown(heap, i);
    }
    for (int i = k; i < values.length; i++) {
      if (values[i] > heap[0]) {
        heap[0] = values[i];
        siftDown(heap, 0);
      }
    }
    return heap[0];
  }

  private static void siftDown(float[] heap, int i) {
    int n = heap.length;
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int m = i;
      if (l < n && heap[l] < heap[m]) {
        m = l;
      }
      if (r < n && heap[r] < heap[m]) {
        m = r;
      }
      if (m == i) {
        return;
      }
      float t = heap[i];
      heap[i] = heap[m];
      heap[m] = t;
      i = m;
    }
  }
}
