package dev.sparkgen.model.generate.logits;

import java.util.List;

/**
 * One rule that rewrites a row's next-token scores, Hugging Face style (a banned token gets -inf).
 * The host form ({@link #process(TokenHistory, float[])}) is the reference; a rule that also has a
 * device form ({@link #runsOnDevice()}) applies the same rule to a whole batch's scores in libtorch,
 * with the same results (the same banned tokens; the same scores up to float rounding).
 */
public interface LogitsProcessor {

  /**
   * Rewrites {@code scores} ([vocab], the row's next-token scores) in place, given the row's
   * tokens so far.
   */
  void process(TokenHistory history, float[] scores);

  /** Whether {@link #process(List, DeviceScores)} is implemented. */
  default boolean runsOnDevice() {
    return false;
  }

  /**
   * The same rule on a batch, where the scores are (full or compact, see {@link DeviceScores}),
   * {@code histories} aligned with its rows. Scores are finite or -inf; a row with NaN or +inf may
   * come out different from the host form and must be redone there. Returns the new scores (the
   * input is not changed), made in the caller's scope.
   */
  default DeviceScores process(List<TokenHistory> histories, DeviceScores scores) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " runs on the host only");
  }
}
