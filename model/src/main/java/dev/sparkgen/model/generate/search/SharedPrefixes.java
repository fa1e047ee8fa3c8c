package dev.sparkgen.model.generate.search;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Which prompts share a long token prefix, for shared-prefix reuse: prompts are ordered by their
 * tokens (lexicographically), so prompts with a common prefix are neighbours; a run of neighbours
 * whose common prefixes are all at least {@code minTokens} long is a group, and every member
 * shares the run's shortest common prefix. A scheduler that admits prompts in {@link #order()}
 * meets each group's members one after another, so the prefix's keys and values, computed for
 * the first, serve the rest.
 *
 * @param order prompt indexes in admission order (groups contiguous)
 * @param shared per prompt (by index), the tokens it shares with its group, or 0
 */
record SharedPrefixes(int[] order, int[] shared) {

  /** The groups among {@code prompts}; {@code minTokens} 0 turns reuse off (input order, nothing shared). */
  static SharedPrefixes of(List<int[]> prompts, int minTokens) {
    int n = prompts.size();
    int[] shared = new int[n];
    Integer[] sorted = new Integer[n];
    Arrays.setAll(sorted, i -> i);
    if (minTokens <= 0) {
      return new SharedPrefixes(Arrays.stream(sorted).mapToInt(Integer::intValue).toArray(), shared);
    }
    Arrays.sort(sorted, Comparator.comparing(prompts::get, Arrays::compare)); // stable: equal prompts keep their order
    int start = 0;
    while (start < n) {
      int end = start + 1; // the run [start, end)
      int common = Integer.MAX_VALUE;
      while (end < n) {
        int lcp = commonPrefix(prompts.get(sorted[end - 1]), prompts.get(sorted[end]));
        if (lcp < minTokens) {
          break;
        }
        common = Math.min(common, lcp);
        end++;
      }
      for (int i = start; end - start > 1 && i < end; i++) {
        shared[sorted[i]] = common;
      }
      start = end;
    }
    return new SharedPrefixes(Arrays.stream(sorted).mapToInt(Integer::intValue).toArray(), shared);
  }

  private static int commonPrefix(int[] a, int[] b) {
    int m = Arrays.mismatch(a, b);
    return m < 0 ? a.length : m;
  }
}
