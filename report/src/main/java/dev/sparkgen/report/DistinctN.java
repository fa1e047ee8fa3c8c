package dev.sparkgen.report;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** distinct-n (Li et al. 2016): unique word n-grams over all n-grams, across a set of continuations. */
public final class DistinctN {
  private DistinctN() {}

  /** The ratio in [0, 1]; 0 when there is no n-gram at all. */
  public static double of(List<List<String>> texts, int n) {
    Set<List<String>> unique = new HashSet<>();
    long total = 0;
    for (List<String> w : texts) {
      for (int i = 0; i + n <= w.size(); i++) {
        unique.add(w.subList(i, i + n));
        total++;
      }
    }
    return total == 0 ? 0 : (double) unique.size() / total;
  }
}
