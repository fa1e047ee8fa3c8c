package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * RoPE with Hugging Face's {@code rotate_half} pairing (dimension i with i + d/2). Tables of cos and
 * sin, [maxPositions, headDim], are computed once as HF does: {@code inv_freq[i] = 1 / theta^(2i/d)}
 * in float32, angle = position * inv_freq, the vector is {@code [freqs, freqs]}.
 */
public final class RotaryEmbedding {
  private final NDArray cos; // [maxPositions, headDim]
  private final NDArray sin;
  private final NDArray rotateHalf; // [headDim, headDim]: x · R = rotate_half(x) = [-x2, x1]
  private final int half;

  public RotaryEmbedding(NDManager m, int headDim, int maxPositions, double theta) {
    this.half = headDim / 2;
    float[] invFreq = new float[half];
    for (int i = 0; i < half; i++) {
      invFreq[i] = (float) (1.0 / Math.pow(theta, (float) (2 * i) / headDim));
    }
    float[] c = new float[maxPositions * headDim];
    float[] s = new float[maxPositions * headDim];
    for (int p = 0; p < maxPositions; p++) {
      for (int i = 0; i < half; i++) {
        float angle = (float) p * invFreq[i]; // float32 product, as torch computes it
        float cv = (float) Math.cos(angle);
        float sv = (float) Math.sin(angle);
        c[p * headDim + i] = cv;
        c[p * headDim + i + half] = cv;
        s[p * headDim + i] = sv;
        s[p * headDim + i + half] = sv;
      }
    }
    this.cos = m.create(c, new ai.djl.ndarray.types.Shape(maxPositions, headDim));
    this.sin = m.create(s, new ai.djl.ndarray.types.Shape(maxPositions, headDim));
    // A signed permutation: one small matmul instead of two slices, a negation and a concat. Every
    // output is one input times +-1 (the other terms are exact zeros), so it is exact.
    float[] r = new float[headDim * headDim];
    for (int i = 0; i < half; i++) {
      r[(i + half) * headDim + i] = -1f; // out[i] = -x[i + half]
      r[i * headDim + i + half] = 1f; // out[i + half] = x[i]
    }
    this.rotateHalf = m.create(r, new ai.djl.ndarray.types.Shape(headDim, headDim));
  }

  /** cos and sin for the given positions ([batch, seq] int64): each [batch, 1, seq, headDim]. */
  public NDArray[] at(NDArray positions) {
    return new NDArray[] {cos.get(positions).expandDims(1), sin.get(positions).expandDims(1)};
  }

  /** Applies the rotation to x: [batch, heads, seq, headDim], given {@link #at}'s tables. */
  public NDArray apply(NDArray x, NDArray[] cosSin) {
    NDArray rotated = x.matMul(rotateHalf); // rotate_half: [-x2, x1]
    return x.mul(cosSin[0]).add(rotated.mul(cosSin[1]));
  }
}
