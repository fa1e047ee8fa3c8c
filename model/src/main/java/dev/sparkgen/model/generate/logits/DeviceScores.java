package dev.sparkgen.model.generate.logits;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * A batch's scores in libtorch, [rows, vocab] float32: the steps the processors' device forms
 * share, each computed as the host forms compute it (softmax weights in double as {@link
 * SortedScores} and {@code InverseCdf} do, probabilities rounded to float32).
 */
final class DeviceScores {
  private DeviceScores() {}

  /** The vocabulary size: the length of each row. */
  static int vocab(NDArray scores) {
    return Math.toIntExact(scores.getShape().get(1));
  }

  /** {@code scores} with -inf at the given flat positions ({@code row * vocab + id}; repeats allowed). */
  static NDArray ban(NDArray scores, Positions positions) {
    NDManager m = scores.getManager();
    NDArray at = positions.array(m);
    if (at == null) {
      return scores;
    }
    NDArray inf = m.full(new Shape(positions.size), Float.NEGATIVE_INFINITY);
    return scores.flatten().put(at, inf).reshape(scores.getShape());
  }

  /** {@code scores} with -inf where {@code remove} ([rows, vocab] boolean) holds. */
  static NDArray remove(NDArray scores, NDArray remove) {
    return NDArrays.where(remove, scores.getManager().full(scores.getShape(), Float.NEGATIVE_INFINITY), scores);
  }

  /**
   * Unnormalised softmax weights {@code exp(s - max)} per row, [rows, vocab] float64: 0 for -inf
   * (NaN throughout a row that is all -inf, which the host never samples from either).
   */
  static NDArray weights(NDArray scores) {
    NDArray s = scores.toType(DataType.FLOAT64, false);
    return s.sub(s.max(new int[] {1}, true)).exp();
  }

  /** The float32 probabilities {@code (float) (w / sum(w))} of {@link #weights}, [rows, vocab]. */
  static NDArray probabilities(NDArray weights) {
    return weights.div(weights.sum(new int[] {1}, true)).toType(DataType.FLOAT32, false);
  }

  /** Flat positions ({@code row * vocab + id}) collected on the host. */
  static final class Positions {
    private long[] flat = new long[16];
    private int size;

    void add(int row, int vocab, int id) {
      if (size == flat.length) {
        flat = Arrays.copyOf(flat, 2 * size);
      }
      flat[size++] = (long) row * vocab + id;
    }

    /** The positions as an int64 array, or null when there are none. */
    NDArray array(NDManager manager) {
      return size == 0 ? null : manager.create(Arrays.copyOf(flat, size));
    }
  }
}
