package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * RoPE with Hugging Face's {@code rotate_half} pairing (dimension i with i + r/2) on the first r =
 * {@code rotaryDim} dims of each head; the other dims pass through (partial rotary, Phi-3). Written
 * once for every RoPE type: the type only changes the {@link RopeFrequencies}. Rotation is
 * {@code x * cos + rotate_half(x) * sin} over the whole head, where the pass-through dims have cos 1
 * and sin 0 (exact), and {@code rotate_half} is one matmul with a signed permutation.
 *
 * <p>Tables of cos and sin are built per batch ({@link #table}) for the positions that batch can
 * reach, not once for {@code max_position_embeddings} (131072 for Llama 3.1): a model shared by an
 * executor's tasks stays immutable, and memory follows what is used.
 */
public final class RotaryEmbedding {
  private final RopeFrequencies freqs;
  private final int headDim;
  private final NDArray rotateHalf; // [headDim, headDim]: x · R = rotate_half(x) on the rotary dims, 0 elsewhere

  public RotaryEmbedding(NDManager m, int headDim, RopeFrequencies freqs) {
    this.freqs = freqs;
    this.headDim = headDim;
    int half = freqs.rotaryDim() / 2;
    // A signed permutation: one small matmul instead of two slices, a negation and a concat. Every
    // output is one input times +-1 (the other terms are exact zeros), so it is exact.
    float[] r = new float[headDim * headDim];
    for (int i = 0; i < half; i++) {
      r[(i + half) * headDim + i] = -1f; // out[i] = -x[i + half]
      r[i * headDim + i + half] = 1f; // out[i + half] = x[i]
    }
    this.rotateHalf = m.create(r, new Shape(headDim, headDim));
  }

  /** The frequencies in use. */
  public RopeFrequencies frequencies() {
    return freqs;
  }

  /**
   * cos and sin for positions {@code [0, positions)} on {@code m} (a batch's manager); longrope gets
   * its long table as a second block of rows (see {@link RopeTable#row}). HF's float32 arithmetic:
   * angle = position * inv_freq, then cos and sin, times the attention factor.
   */
  public RopeTable table(NDManager m, int positions) {
    boolean twoTables = freqs.invFreqLong() != null;
    int rows = twoTables ? 2 * positions : positions;
    float[] c = new float[Math.toIntExact((long) rows * headDim)];
    float[] s = new float[c.length];
    fill(c, s, 0, positions, freqs.invFreq());
    if (twoTables) {
      fill(c, s, positions, positions, freqs.invFreqLong());
    }
    return new RopeTable(m.create(c, new Shape(rows, headDim)), m.create(s, new Shape(rows, headDim)), positions,
        freqs.longAfter());
  }

  private void fill(float[] c, float[] s, int firstRow, int positions, float[] inv) {
    int half = inv.length;
    float factor = freqs.attentionFactor();
    for (int p = 0; p < positions; p++) {
      int o = (firstRow + p) * headDim;
      for (int i = 0; i < half; i++) {
        float angle = (float) p * inv[i]; // float32 product, as torch computes it
        float cv = (float) Math.cos(angle) * factor;
        float sv = (float) Math.sin(angle) * factor;
        c[o + i] = cv;
        c[o + i + half] = cv;
        s[o + i] = sv;
        s[o + i + half] = sv;
      }
      for (int i = 2 * half; i < headDim; i++) {
        c[o + i] = 1f; // pass-through dims: x * 1 + rotate_half(x) * 0 (rotate_half is 0 there too)
      }
    }
  }

  /** Applies the rotation to x: [batch, heads, seq, headDim], given {@link RopeTable#at}'s cos and sin. */
  public NDArray apply(NDArray x, NDArray[] cosSin) {
    NDArray rotated = x.matMul(rotateHalf); // rotate_half: [-x2, x1, 0...]
    return x.mul(cosSin[0]).add(rotated.mul(cosSin[1]));
  }
}
