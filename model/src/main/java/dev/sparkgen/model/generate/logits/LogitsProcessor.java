package dev.sparkgen.model.generate.logits;

/** One rule that rewrites a row's next-token scores, Hugging Face style (a banned token gets -inf). */
public interface LogitsProcessor {

  /**
   * Rewrites {@code scores} ([vocab], the row's next-token scores) in place, given the row's
   * tokens so far.
   */
  void process(TokenHistory history, float[] scores);
}
