package dev.sparkgen.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The degeneration measures of one strategy over its continuations.
 *
 * @param repetitionPercent share of continuations that end in a repeating loop ({@link RepetitionDetector})
 * @param perplexity exp of the mean negative log-probability, under the model, of the generated tokens
 * @param meanLength mean generated tokens per continuation (eos included)
 */
public record StrategyMetrics(String strategy, int continuations, double repetitionPercent, double distinct1,
    double distinct2, double selfBleu4, double meanLength, double perplexity) {

  /** One generated continuation: its text, token count and per-token log-probabilities under the model. */
  public record Continuation(String text, int tokens, float[] tokenLogprobs) {}

  /** Computes every measure. */
  public static StrategyMetrics of(String strategy, List<Continuation> items) {
    List<List<String>> words = new ArrayList<>();
    int loops = 0;
    long tokens = 0;
    double nll = 0;
    long scored = 0;
    for (Continuation c : items) {
      List<String> w = Words.of(c.text());
      words.add(w);
      if (RepetitionDetector.endsInLoop(w)) {
        loops++;
      }
      tokens += c.tokens();
      if (c.tokenLogprobs() != null) {
        for (float lp : c.tokenLogprobs()) {
          nll -= lp;
          scored++;
        }
      }
    }
    int n = items.size();
    return new StrategyMetrics(strategy, n, n == 0 ? 0 : 100.0 * loops / n, DistinctN.of(words, 1),
        DistinctN.of(words, 2), SelfBleu.of(words), n == 0 ? 0 : (double) tokens / n,
        scored == 0 ? Double.NaN : Math.exp(nll / scored));
  }
}
