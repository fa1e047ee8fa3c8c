package dev.sparkgen.job.exec;

import java.nio.charset.StandardCharsets;

/**
 * The stable 64-bit key of a row, from which its sampling stream derives: FNV-1a over the UTF-8
 * text of the id value, then a SplitMix64 finaliser to spread the bits. The same id gives the same
 * key in every JVM, partition and batch.
 */
public final class RowKey {
  private RowKey() {}

  /** Key of an id value (its text form; 7, 7L and "7" share a key). */
  public static long of(Object id) {
    return of(String.valueOf(id));
  }

  /** Key of a text. */
  public static long of(String text) {
    long h = 0xcbf29ce484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  /** Key of a token-id prompt (used when there is no id column). */
  public static long of(int[] ids) {
    long h = 0x9E3779B97F4A7C15L;
    for (int id : ids) {
      h = mix(h ^ id);
    }
    return h;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
