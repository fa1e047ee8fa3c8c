package dev.sparkgen.model;

/**
 * Each row's greedy choice after a decode step, computed where the logits are: the argmax token
 * (the first on ties) and its raw log-probability {@code logits[token] - logsumexp(logits)}.
 *
 * @param tokens [rows]
 * @param logprobs [rows]
 */
public record GreedyPicks(int[] tokens, float[] logprobs) {}
