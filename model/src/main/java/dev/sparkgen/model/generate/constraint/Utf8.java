package dev.sparkgen.model.generate.constraint;

import dk.brics.automaton.Automaton;
import dk.brics.automaton.BasicAutomata;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * UTF-8 as the automata of this package read it: each byte is a brics char 0..255. {@link #split}
 * turns a range of scalar values into sequences of byte ranges whose concatenations are exactly
 * their UTF-8 encodings (the construction of Go's regexp/syntax and Rust's utf8-ranges, after Russ
 * Cox): e.g. U+0080..U+07FF is [C2-DF][80-BF].
 */
final class Utf8 {
  private static final int[] LENGTH_LIMITS = {0x7F, 0x7FF, 0xFFFF};

  private Utf8() {}

  /** The automaton of exactly the UTF-8 bytes of {@code text}. */
  static Automaton literal(String text) {
    return BasicAutomata.makeString(bytesAsChars(text));
  }

  /** The UTF-8 bytes of {@code text}, one char (0..255) per byte. */
  static String bytesAsChars(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  /**
   * Sequences for {@code lo..hi} (no surrogates inside): each is [min0, max0, min1, max1, ...], one
   * pair per byte.
   */
  static List<int[]> split(int lo, int hi) {
    List<int[]> out = new ArrayList<>();
    split(lo, hi, out);
    return out;
  }

  private static void split(int lo, int hi, List<int[]> out) {
    for (int limit : LENGTH_LIMITS) { // one encoded length per range
      if (lo <= limit && limit < hi) {
        split(lo, limit, out);
        split(limit + 1, hi, out);
        return;
      }
    }
    if (hi < 0x80) {
      out.add(new int[] {lo, hi});
      return;
    }
    for (int i = 1; i < 4; i++) { // align so that each byte position varies over a full range
      int m = (1 << (6 * i)) - 1;
      if ((lo & ~m) != (hi & ~m)) {
        if ((lo & m) != 0) {
          split(lo, lo | m, out);
          split((lo | m) + 1, hi, out);
          return;
        }
        if ((hi & m) != m) {
          split(lo, (hi & ~m) - 1, out);
          split(hi & ~m, hi, out);
          return;
        }
      }
    }
    byte[] a = encode(lo);
    byte[] b = encode(hi);
    int[] seq = new int[a.length * 2];
    for (int k = 0; k < a.length; k++) {
      seq[2 * k] = a[k] & 0xFF;
      seq[2 * k + 1] = b[k] & 0xFF;
    }
    out.add(seq);
  }

  /** The UTF-8 bytes of one scalar value. */
  static byte[] encode(int cp) {
    return new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
  }
}
