package dev.sparkgen.model.generate.logits;

import java.util.BitSet;

/**
 * Hugging Face's repetition penalty: every distinct id already in the row has its score divided
 * by the penalty when positive and multiplied by it when negative (once per id).
 */
public final class RepetitionPenaltyProcessor implements LogitsProcessor {
  private final float penalty;

  /** {@code penalty} > 0; 1 changes nothing. */
  public RepetitionPenaltyProcessor(double penalty) {
    if (!(penalty > 0) || Double.isInfinite(penalty)) {
      throw new IllegalArgumentException("repetition_penalty must be a positive number, got " + penalty);
    }
    this.penalty = (float) penalty;
  }

  @Override
  public void process(TokenHistory history, float[] scores) {
    BitSet seen = history.distinct();
    for (int id = seen.nextSetBit(0); id >= 0 && id < scores.length; id = seen.nextSetBit(id + 1)) {
      float s = scores[id];
      scores[id] = s < 0 ? s * penalty : s / penalty;
    }
  }
}
