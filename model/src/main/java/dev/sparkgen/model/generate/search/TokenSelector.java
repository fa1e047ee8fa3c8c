package dev.sparkgen.model.generate.search;

import java.util.function.DoubleSupplier;

/** Chooses a row's next token from its processed scores: greedy or sampling. */
public interface TokenSelector {

  /** The chosen token id; {@code uniforms} is the row's random stream (unused by greedy). */
  int select(float[] processedScores, DoubleSupplier uniforms);

  /** Argmax, first index on exact ties (torch.argmax). */
  TokenSelector GREEDY = (scores, uniforms) -> argmax(scores);

  /** Sampling from softmax(scores) by inverse CDF with one uniform per step. */
  TokenSelector SAMPLING = (scores, uniforms) -> InverseCdf.draw(scores, uniforms.getAsDouble());

  /** Index of the largest score, the first one on ties. */
  static int argmax(float[] scores) {
    int best = 0;
    for (int i = 1; i < scores.length; i++) {
      if (scores[i] > scores[best]) {
        best = i;
      }
    }
    return best;
  }
}
