package dev.sparkgen.report;

import java.util.List;

/**
 * Whether a continuation ends in a repeating loop, after Holtzman et al. (2019): its last words are
 * one phrase of 1 to {@value #MAX_PHRASE} words repeated at least {@value #MIN_REPEATS} times in a
 * row. A continuation cut by the length limit may end inside a copy, so that trailing partial copy
 * is allowed, and its very last word may be cut short (byte-level models stop mid-word).
 */
public final class RepetitionDetector {
  public static final int MAX_PHRASE = 8;
  public static final int MIN_REPEATS = 3;

  private RepetitionDetector() {}

  /** True when {@code words} ends in a loop. */
  public static boolean endsInLoop(List<String> words) {
    int n = words.size();
    for (int len = 1; len <= MAX_PHRASE; len++) {
      // allow a trailing partial copy of 0..len-1 words
      for (int partial = 0; partial < len; partial++) {
        int end = n - partial; // exclusive end of the whole copies
        if (end < len * MIN_REPEATS) {
          break;
        }
        if (!partialMatches(words, end, len, partial)) {
          continue;
        }
        int copies = 1;
        while (end - (copies + 1) * len >= 0 && sameBlock(words, end - len, end - (copies + 1) * len, len)) {
          copies++;
        }
        if (copies >= MIN_REPEATS) {
          return true;
        }
      }
    }
    return false;
  }

  // The partial tail must continue the phrase that the last whole copy starts with; the text's
  // final word may be a cut-off prefix of the word expected there.
  private static boolean partialMatches(List<String> w, int end, int len, int partial) {
    for (int i = 0; i < partial; i++) {
      String actual = w.get(end + i);
      String expected = w.get(end - len + i);
      boolean last = end + i == w.size() - 1;
      if (!(last ? expected.startsWith(actual) : expected.equals(actual))) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameBlock(List<String> w, int a, int b, int len) {
    for (int i = 0; i < len; i++) {
      if (!w.get(a + i).equals(w.get(b + i))) {
        return false;
      }
    }
    return true;
  }
}
