package dev.sparkgen.model.generate.constraint;

import java.util.Arrays;

/**
 * The tokens a response format allows from one automaton state (eos aside: that is the
 * processor's business), as a bit set over token ids. Immutable; equal sets are shared.
 */
public final class AllowedTokens {
  private static final int LIST_LIMIT = 2048; // up to this many allowed tokens, also keep their ids

  private final long[] bits;
  private final int count;
  private final int[] ids; // the allowed ids when few, else null
  private final int hash;

  AllowedTokens(long[] bits) {
    this.bits = bits;
    int n = 0;
    for (long w : bits) {
      n += Long.bitCount(w);
    }
    this.count = n;
    if (n <= LIST_LIMIT) {
      ids = new int[n];
      int k = 0;
      for (int w = 0; w < bits.length; w++) {
        for (long m = bits[w]; m != 0; m &= m - 1) {
          ids[k++] = (w << 6) + Long.numberOfTrailingZeros(m);
        }
      }
    } else {
      ids = null;
    }
    this.hash = Arrays.hashCode(bits);
  }

  /** How many tokens are allowed. */
  public int count() {
    return count;
  }

  /** Whether token {@code id} is allowed. */
  public boolean contains(int id) {
    return id >= 0 && (id >>> 6) < bits.length && (bits[id >>> 6] & (1L << id)) != 0;
  }

  /** Every allowed id, ascending. */
  public int[] ids() {
    if (ids != null) {
      return ids.clone();
    }
    int[] out = new int[count];
    int k = 0;
    for (int w = 0; w < bits.length; w++) {
      for (long m = bits[w]; m != 0; m &= m - 1) {
        out[k++] = (w << 6) + Long.numberOfTrailingZeros(m);
      }
    }
    return out;
  }

  /**
   * Sets every score of a token not allowed to -inf, in place ({@code scores}: [vocab] of the
   * model, which may be longer or shorter than the tokenizer's vocabulary).
   */
  public void mask(float[] scores) {
    if (ids != null) { // few allowed: keep them, wipe the rest
      float[] kept = new float[ids.length];
      for (int i = 0; i < ids.length; i++) {
        kept[i] = ids[i] < scores.length ? scores[ids[i]] : 0f;
      }
      Arrays.fill(scores, Float.NEGATIVE_INFINITY);
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] < scores.length) {
          scores[ids[i]] = kept[i];
        }
      }
      return;
    }
    int words = Math.min(bits.length, (scores.length + 63) >>> 6);
    for (int w = 0; w < words; w++) {
      long banned = ~bits[w];
      int base = w << 6;
      for (long m = banned; m != 0; m &= m - 1) {
        int id = base + Long.numberOfTrailingZeros(m);
        if (id >= scores.length) {
          break;
        }
        scores[id] = Float.NEGATIVE_INFINITY;
      }
    }
    if ((long) bits.length << 6 < scores.length) {
      Arrays.fill(scores, bits.length << 6, scores.length, Float.NEGATIVE_INFINITY); // ids the tokenizer lacks
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AllowedTokens other && hash == other.hash && Arrays.equals(bits, other.bits);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
