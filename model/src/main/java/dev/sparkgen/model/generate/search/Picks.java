package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.GreedyPicks;

/**
 * Each row's chosen token and its raw log-probability after a decode step, chosen where the
 * logits are ({@link DeviceSampling}, or the batch's own greedy argmax).
 *
 * @param tokens [rows]
 * @param logprobs [rows]
 * @param failures [rows], or null when none: a row redone on the host whose scores left nothing to
 *     sample ({@link AllTokensFilteredException}); its token is -1
 */
record Picks(int[] tokens, float[] logprobs, RuntimeException[] failures) {

  Picks(int[] tokens, float[] logprobs) {
    this(tokens, logprobs, null);
  }

  static Picks of(GreedyPicks greedy) {
    return new Picks(greedy.tokens(), greedy.logprobs());
  }

  /** Row {@code r}'s failure, or null. */
  RuntimeException failure(int r) {
    return failures == null ? null : failures[r];
  }

  /** Throws row {@code r}'s failure, if it has one. */
  void rethrow(int r) {
    RuntimeException e = failure(r);
    if (e != null) {
      throw e;
    }
  }
}
