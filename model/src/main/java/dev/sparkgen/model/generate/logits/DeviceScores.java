package dev.sparkgen.model.generate.logits;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * A batch's next-token scores in libtorch, in one of two forms:
 *
 * <ul>
 *   <li><b>full</b>: {@link #values()} is [rows, vocab] float32, column = token id;
 *   <li><b>compact</b>: every token a row can still draw is among its {@code width} candidates:
 *       {@link #values()} [rows, width] float32 and {@link #ids()} [rows, width] int64, ids
 *       ascending along each row (so the columns keep the vocabulary's order); every token not
 *       listed scores -inf. A candidate may itself be -inf.
 * </ul>
 *
 * Top-k and top-p leave a handful of tokens, so they hand on the compact form and the rules after
 * them (and the draw) work on [rows, width] instead of [rows, vocab]: on this CPU every [rows, V]
 * temporary is a fresh native allocation (page faults) that costs more than the arithmetic. Every
 * rule gives the same result in either form, because it sees the same finite scores in the same
 * order, and -inf tokens carry no probability. Arrays are made in the caller's scope.
 */
public final class DeviceScores {
  private final NDArray values;
  private final NDArray ids; // null: full
  private final int vocab;

  private DeviceScores(NDArray values, NDArray ids, int vocab) {
    this.values = values;
    this.ids = ids;
    this.vocab = vocab;
  }

  /** Full scores, [rows, vocab] float32. */
  public static DeviceScores full(NDArray scores) {
    return new DeviceScores(scores, null, Math.toIntExact(scores.getShape().get(1)));
  }

  /** Compact scores: {@code values} [rows, width] float32 at {@code ids} [rows, width] int64, ids ascending per row. */
  static DeviceScores compact(NDArray values, NDArray ids, int vocab) {
    return new DeviceScores(values, ids, vocab);
  }

  /** Whether this is the compact form. */
  public boolean isCompact() {
    return ids != null;
  }

  /** [rows, vocab] (full) or [rows, width] (compact) float32. */
  public NDArray values() {
    return values;
  }

  /** The token id of each compact column, [rows, width] int64; null in the full form. */
  public NDArray ids() {
    return ids;
  }

  /** The vocabulary size (the width of the full form). */
  public int vocab() {
    return vocab;
  }

  /** The same form with other values (same shape). */
  DeviceScores with(NDArray newValues) {
    return new DeviceScores(newValues, ids, vocab);
  }

  /** The full form, [rows, vocab] float32: compact candidates scattered over a row of -inf. */
  public NDArray toFull() {
    if (ids == null) {
      return values;
    }
    NDArray inf = values.getManager().full(new Shape(values.getShape().get(0), vocab), Float.NEGATIVE_INFINITY);
    return inf.scatter(ids, values, 1);
  }

  /** These scores with -inf where {@code remove} (same shape as {@link #values()}, boolean) holds. */
  DeviceScores remove(NDArray remove) {
    return with(NDArrays.where(remove, values.getManager().full(values.getShape(), Float.NEGATIVE_INFINITY), values));
  }

  /**
   * Unnormalised softmax weights {@code exp(s - max)} per row in float64, as the host computes
   * them: 0 for -inf (NaN throughout a row that is all -inf, which is never sampled from).
   */
  static NDArray weights(NDArray scores) {
    NDArray s = scores.toType(DataType.FLOAT64, false);
    return s.subi(s.max(new int[] {1}, true)).exp();
  }

  /** {@code scores} with -inf at the given flat positions ({@code row * vocab + id}; repeats allowed): full form. */
  static NDArray ban(NDArray scores, Positions positions) {
    NDManager m = scores.getManager();
    NDArray at = positions.array(m);
    if (at == null) {
      return scores;
    }
    NDArray inf = m.full(new Shape(positions.size), Float.NEGATIVE_INFINITY);
    return scores.flatten().put(at, inf).reshape(scores.getShape());
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
