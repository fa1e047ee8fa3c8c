package dev.sparkgen.report;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Self-BLEU-4 (Zhu et al. 2018): each continuation scored by BLEU-4 against all the others as
 * references, averaged. High means the continuations resemble each other (low diversity). BLEU:
 * clipped n-gram precisions for n = 1..4 with uniform weights, brevity penalty against the closest
 * reference length, and a small epsilon for zero counts (Chen and Cherry's method 1).
 */
public final class SelfBleu {
  private static final int N = 4;
  private static final double EPSILON = 0.1;

  private SelfBleu() {}

  /** Mean BLEU-4 of each text against the rest, in [0, 1]. */
  public static double of(List<List<String>> texts) {
    if (texts.size() < 2) {
      return 0;
    }
    List<List<Map<List<String>, Integer>>> counts = texts.stream().map(SelfBleu::ngramCounts).toList();
    double sum = 0;
    for (int i = 0; i < texts.size(); i++) {
      sum += bleu(i, texts, counts);
    }
    return sum / texts.size();
  }

  private static double bleu(int i, List<List<String>> texts, List<List<Map<List<String>, Integer>>> counts) {
    int hypLen = texts.get(i).size();
    if (hypLen == 0) {
      return 0;
    }
    double logSum = 0;
    for (int n = 1; n <= N; n++) {
      Map<List<String>, Integer> hyp = counts.get(i).get(n - 1);
      long total = Math.max(0, hypLen - n + 1);
      long clipped = 0;
      for (Map.Entry<List<String>, Integer> e : hyp.entrySet()) {
        int maxRef = 0;
        for (int j = 0; j < texts.size(); j++) {
          if (j != i) {
            maxRef = Math.max(maxRef, counts.get(j).get(n - 1).getOrDefault(e.getKey(), 0));
          }
        }
        clipped += Math.min(e.getValue(), maxRef);
      }
      double p = total == 0 ? EPSILON : clipped == 0 ? EPSILON / total : (double) clipped / total;
      logSum += Math.log(p) / N;
    }
    int closest = Integer.MAX_VALUE;
    for (int j = 0; j < texts.size(); j++) {
      int len = texts.get(j).size();
      if (j != i && (closest == Integer.MAX_VALUE || Math.abs(len - hypLen) < Math.abs(closest - hypLen)
          || (Math.abs(len - hypLen) == Math.abs(closest - hypLen) && len < closest))) {
        closest = len;
      }
    }
    double bp = hypLen >= closest ? 1 : Math.exp(1 - (double) closest / hypLen);
    return bp * Math.exp(logSum);
  }

  private static List<Map<List<String>, Integer>> ngramCounts(List<String> w) {
    List<Map<List<String>, Integer>> out = new java.util.ArrayList<>();
    for (int n = 1; n <= N; n++) {
      Map<List<String>, Integer> m = new HashMap<>();
      for (int k = 0; k + n <= w.size(); k++) {
        m.merge(w.subList(k, k + n), 1, Integer::sum);
      }
      out.add(m);
    }
    return out;
  }
}
