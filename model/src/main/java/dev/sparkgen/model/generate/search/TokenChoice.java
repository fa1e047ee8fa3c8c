package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.generate.logits.LogitsPipeline;
import dev.sparkgen.model.generate.logits.TokenHistory;
import java.util.function.DoubleSupplier;

/**
 * One row's next token and the raw log-probability the output reports for it,
 * {@code logits[token] - logsumexp(logits)} (before any processor).
 */
record TokenChoice(int token, float logprob) {

  /**
   * The host path, the reference for {@link DeviceSampling}: the row's {@code logits} ([vocab])
   * are processed by {@code pipeline} on a copy, then {@code selector} picks (argmax, or an
   * inverse-CDF draw with one uniform from {@code uniforms}). Sampling from scores with no finite
   * mass (every token -inf, or NaN) throws {@link AllTokensFilteredException} naming the step, as
   * Hugging Face fails there; greedy keeps argmax's first index.
   */
  static TokenChoice onHost(float[] logits, TokenHistory history, LogitsPipeline pipeline, TokenSelector selector,
      DoubleSupplier uniforms) {
    double lse = LogSoftmax.logSumExp(logits);
    float[] scores = pipeline.processors().isEmpty() ? logits : pipeline.apply(history, logits.clone());
    if (selector == TokenSelector.SAMPLING) {
      requireDrawable(scores, history);
    }
    int token = selector.select(scores, uniforms);
    return new TokenChoice(token, (float) (logits[token] - lse));
  }

  /** Refuses to sample from scores with no finite mass (every token -inf, or NaN), as HF does. */
  private static void requireDrawable(float[] scores, TokenHistory history) {
    boolean any = false;
    for (float s : scores) {
      if (Float.isNaN(s)) {
        throw new AllTokensFilteredException(history.generated() + 1, true);
      }
      any |= s != Float.NEGATIVE_INFINITY;
    }
    if (!any) {
      throw new AllTokensFilteredException(history.generated() + 1, false);
    }
  }
}
