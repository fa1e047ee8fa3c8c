package dev.sparkgen.model.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Keys and values of every layer, preallocated and written in place: per layer {@code [batch,
 * kvHeads, capacity, headDim]}. A static batch allocates its whole run once; a continuous batch
 * moves its rows' slots ({@link #moveSlots}) when they reach the end, writes new rows through
 * one-row views ({@link #row}) and copies shared prefixes in and out ({@link PrefixKv}).
 * Sliding-window layers keep every slot too and read only their window (a view), so one slot
 * index means the same token in every layer. Owns its own manager. Writes and views
 * call libtorch's slice functions directly instead of going through a parsed
 * {@link ai.djl.ndarray.index.NDIndex} (string parsing, a broadcast tensor, a squeeze): at batch 1
 * that took a layer's write + two views from about 65 to about 24 µs on this machine.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;

  private int capacity;

  public KvCache(NDManager parent, int layers, int batch, int kvHeads, int capacity, int headDim) {
    this.manager = parent.newSubManager();
    this.capacity = capacity;
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
    Shape shape = new Shape(batch, kvHeads, capacity, headDim);
    for (int l = 0; l < layers; l++) {
      keys[l] = manager.zeros(shape, DataType.FLOAT32);
      values[l] = manager.zeros(shape, DataType.FLOAT32);
    }
  }

  private KvCache(NDManager manager, NDArray[] keys, NDArray[] values, int capacity) {
    this.manager = manager;
    this.keys = keys;
    this.values = values;
    this.capacity = capacity;
  }

  /** Slots per row. */
  public int capacity() {
    return capacity;
  }

  /** Rows. */
  public int batch() {
    return (int) keys[0].getShape().get(0);
  }

  /**
   * Row {@code r} alone as a cache of one row: views of this cache's tensors, so what a forward
   * call writes there lands in row {@code r} here (a continuous batch prefills a new row this way,
   * in place). Closing the view frees only the views. Valid until this cache reallocates ({@link
   * #select}, {@link #moveSlots}).
   */
  public KvCache row(int r) {
    NDManager views = manager.newSubManager();
    NDArray[] k = new NDArray[keys.length];
    NDArray[] v = new NDArray[keys.length];
    for (int l = 0; l < keys.length; l++) {
      k[l] = JniUtils.slice((PtNDArray) keys[l], 0, r, r + 1, 1); // keys[l][r:r+1]
      v[l] = JniUtils.slice((PtNDArray) values[l], 0, r, r + 1, 1);
      k[l].attach(views);
      v[l].attach(views);
    }
    return new KvCache(views, k, v, capacity);
  }

  /**
   * Copies row {@code from}'s slots {@code [first, end)} into row {@code to} (every layer): a fork
   * of a prefilled prompt into the rows of its other samples.
   */
  public void copyRow(int from, int to, int first, int end) {
    copyFrom(this, from, first, to, first, end - first);
  }

  /**
   * Copies row {@code fromRow}'s slots {@code [from, from + length)} of {@code source} (a cache of
   * the same layers and heads) into this cache's row {@code toRow} at slots {@code [to, to +
   * length)}, every layer: a multi-prompt admission prefills its prompts in a cache of their own and
   * moves each into its rows.
   */
  public void copyFrom(KvCache source, int fromRow, int from, int toRow, int to, int length) {
    long[] step = {1, 1, 1, 1};
    for (int l = 0; l < keys.length; l++) {
      copyInto(source.keys[l], fromRow, from, keys[l], toRow, to, length, step);
      copyInto(source.values[l], fromRow, from, values[l], toRow, to, length, step);
    }
  }

  private static void copyInto(NDArray src, int fromRow, int from, NDArray dst, int toRow, int to, int length,
      long[] step) {
    Shape s = dst.getShape();
    try (PtNDArray row = JniUtils.slice((PtNDArray) src, 0, fromRow, fromRow + 1, 1);
        NDArray part = JniUtils.slice(row, 2, from, from + length, 1)) {
      JniUtils.indexSet((PtNDArray) dst, (PtNDArray) part, new long[] {toRow, 0, to, 0},
          new long[] {toRow + 1, s.get(1), to + length, s.get(3)}, step); // dst[toRow, :, to:to+n] = src[fromRow, :, from:from+n]
    }
  }

  /**
   * Moves every row's slots {@code [first, end)} by {@code delta} (to {@code [first + delta, end +
   * delta)}) into new tensors of {@code newCapacity} slots; other slots become zeros. One copy of
   * the used slots: a continuous batch compacts its rows towards slot 0 when the write slot reaches
   * the end, and shifts them up when a prompt longer than the slots before the write slot arrives.
   */
  public void moveSlots(int first, int end, int delta, int newCapacity) {
    if (first + delta < 0 || end + delta > newCapacity) {
      throw new IllegalArgumentException("slots [" + first + ", " + end + ") moved by " + delta
          + " do not fit " + newCapacity + " slots");
    }
    long[] step = {1, 1, 1, 1};
    for (int l = 0; l < keys.length; l++) {
      keys[l] = moved(keys[l], first, end, delta, newCapacity, step);
      values[l] = moved(values[l], first, end, delta, newCapacity, step);
    }
    capacity = newCapacity;
  }

  private NDArray moved(NDArray old, int first, int end, int delta, int newCapacity, long[] step) {
    Shape s = old.getShape();
    NDArray out = manager.zeros(new Shape(s.get(0), s.get(1), newCapacity, s.get(3)), DataType.FLOAT32);
    NDScope.unregister(out); // the cache outlives the caller's scope
    if (end > first) {
      try (NDArray used = JniUtils.slice((PtNDArray) old, 2, first, end, 1)) {
        JniUtils.indexSet((PtNDArray) out, (PtNDArray) used, new long[] {0, 0, first + delta, 0},
            new long[] {s.get(0), s.get(1), end + delta, s.get(3)}, step);
      }
    }
    old.close();
    return out;
  }

  /**
   * A copy of slots {@code [first, first + length)} of a one-row cache (a {@link #row} view): a
   * prompt prefix's keys and values, to be {@link #writePrefix written} into other rows.
   */
  public PrefixKv copyPrefix(int[] tokens, boolean longTable, int first, NDManager owner) {
    int length = tokens.length;
    NDManager m = owner.newSubManager();
    NDArray[] k = new NDArray[keys.length];
    NDArray[] v = new NDArray[keys.length];
    for (int l = 0; l < keys.length; l++) {
      try (NDArray kv = JniUtils.slice((PtNDArray) keys[l], 2, first, first + length, 1);
          NDArray vv = JniUtils.slice((PtNDArray) values[l], 2, first, first + length, 1)) {
        k[l] = kv.duplicate(); // [1, K, P, hd], contiguous
        v[l] = vv.duplicate();
      }
      NDScope.unregister(k[l], v[l]); // they outlive the caller's scope
      k[l].attach(m);
      v[l].attach(m);
    }
    return new PrefixKv(tokens, longTable, k, v, m);
  }

  /** Writes the first {@code length} slots of {@code prefix} at slots {@code [slot, slot + length)}. */
  public void writePrefix(PrefixKv prefix, int length, int slot) {
    for (int l = 0; l < keys.length; l++) {
      NDArray k = prefix.keys(l);
      NDArray v = prefix.values(l);
      if (length == prefix.length()) {
        write(l, slot, k, v);
      } else {
        try (NDArray kk = JniUtils.slice((PtNDArray) k, 2, 0, length, 1);
            NDArray vv = JniUtils.slice((PtNDArray) v, 2, 0, length, 1)) {
          write(l, slot, kk, vv);
        }
      }
    }
  }

  /** Writes k and v ([batch, kvHeads, t, headDim]) of layer {@code l} at slots {@code [slot, slot + t)}. */
  public void write(int l, int slot, NDArray k, NDArray v) {
    Shape s = keys[l].getShape();
    long[] from = {0, 0, slot, 0};
    long[] to = {s.get(0), s.get(1), slot + k.getShape().get(2), s.get(3)};
    long[] step = {1, 1, 1, 1};
    JniUtils.indexSet((PtNDArray) keys[l], (PtNDArray) k, from, to, step); // keys[:, :, slot:slot+t, :] = k
    JniUtils.indexSet((PtNDArray) values[l], (PtNDArray) v, from, to, step);
  }

  /** Layer {@code l}'s keys for slots {@code [0, length)}: a view, [batch, kvHeads, length, headDim]. */
  public NDArray keys(int l, int length) {
    return JniUtils.slice((PtNDArray) keys[l], 2, 0, length, 1); // a view, like keys[l][:, :, :length]
  }

  /** Layer {@code l}'s values for slots {@code [0, length)}. */
  public NDArray values(int l, int length) {
    return JniUtils.slice((PtNDArray) values[l], 2, 0, length, 1);
  }

  /** Layer {@code l}'s keys for slots {@code [from, to)} (a sliding window): a view, [batch, kvHeads, to - from, headDim]. */
  public NDArray keys(int l, int from, int to) {
    return JniUtils.slice((PtNDArray) keys[l], 2, from, to, 1);
  }

  /** Layer {@code l}'s values for slots {@code [from, to)}. */
  public NDArray values(int l, int from, int to) {
    return JniUtils.slice((PtNDArray) values[l], 2, from, to, 1);
  }

  /** Keeps the given batch rows in the given order (repeats allowed), reallocating once. */
  public void select(int[] rows) {
    // Each get(NDArray) leaves a temporary on this manager (seen in NativeMemoryTest): the scope
    // closes it and the index, and only the new keys and values leave it.
    try (NDScope ignored = new NDScope()) {
      NDArray index = manager.create(rows);
      for (int l = 0; l < keys.length; l++) {
        NDArray k = keys[l].get(index);
        NDArray v = values[l].get(index);
        NDScope.unregister(k, v);
        keys[l].close();
        values[l].close();
        keys[l] = k;
        values[l] = v;
        k.attach(manager);
        v.attach(manager);
      }
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
