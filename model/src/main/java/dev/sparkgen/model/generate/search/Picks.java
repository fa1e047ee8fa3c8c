package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.GreedyPicks;

/**
 * Each row's chosen token and its raw log-probability after a decode step, chosen where the
 * logits are ({@link DeviceSampling}, or the batch's own greedy argmax).
 *
 * @param tokens [rows]
 * @param logprobs [rows]
 */
record Picks(int[] tokens, float[] logprobs) {

  static Picks of(GreedyPicks greedy) {
    return new Picks(greedy.tokens(), greedy.logprobs());
  }
}
