package dev.sparkgen.model.generate.search;

/** log_softmax of a logits row: the raw log-probabilities reported per token and summed by beam search. */
public final class LogSoftmax {
  private LogSoftmax() {}

  /** log(sum(exp(logits))), computed stably. */
  public static double logSumExp(float[] logits) {
    float max = Float.NEGATIVE_INFINITY;
    for (float x : logits) {
      if (x > max) { // plain comparison: Math.max(float) pays for NaN and -0 handling
        max = x;
      }
    }
    double sum = 0;
    for (float x : logits) {
      sum += Math.exp((double) x - max);
    }
    return max + Math.log(sum);
  }

  /** The whole row, [vocab]. */
  public static float[] of(float[] logits) {
    double lse = logSumExp(logits);
    float[] out = new float[logits.length];
    for (int i = 0; i < logits.length; i++) {
      out[i] = (float) (logits[i] - lse);
    }
    return out;
  }
}
