package dev.sparkgen.model.generate.logits;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.List;

/**
 * Hugging Face's MinPLogitsWarper: removes tokens whose probability is below {@code min_p} times
 * the top token's probability, always keeping the {@code minTokensToKeep} highest.
 */
public final class MinPWarper implements LogitsProcessor {
  private final float minP;
  private final int minTokensToKeep;

  /** {@code minP} in [0, 1]. */
  public MinPWarper(double minP, int minTokensToKeep) {
    if (!(minP >= 0 && minP <= 1)) {
      throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
    }
    this.minP = (float) minP;
    this.minTokensToKeep = Math.max(1, minTokensToKeep);
  }

  @Override
  public void process(TokenHistory history, float[] scores) {
    SortedScores sorted = SortedScores.of(scores);
    int n = sorted.index.length;
    if (n == 0) {
      return;
    }
    float threshold = minP * sorted.prob[n - 1];
    for (int j = 0; j < n - minTokensToKeep; j++) { // ascending: the highest minTokensToKeep stay
      if (sorted.prob[j] < threshold) {
        scores[sorted.index[j]] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  @Override
  public boolean runsOnDevice() {
    return minTokensToKeep == 1;
  }

  /**
   * No sort needed: the top token's probability is the row's largest, never below {@code min_p}
   * times itself, so "always keep the highest" holds by itself (minTokensToKeep is 1 here).
   * Tokens of zero weight are not touched, as on the host.
   */
  @Override
  public DeviceScores process(List<TokenHistory> histories, DeviceScores scores) {
    if (minTokensToKeep > 1) {
      throw new UnsupportedOperationException("min_p on the device keeps one token, not " + minTokensToKeep);
    }
    NDArray weights = DeviceScores.weights(scores.values());
    NDArray prob = weights.div(weights.sum(new int[] {1}, true)).toType(DataType.FLOAT32, false); // as SortedScores
    NDArray threshold = prob.max(new int[] {1}, true).mul(minP); // float32 product, as on the host
    return scores.remove(weights.gt(0.0).logicalAnd(prob.lt(threshold)));
  }
}
