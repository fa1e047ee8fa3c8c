/**
 * Decoding loops over a {@link dev.sparkgen.model.DecodeBatch}: greedy/sampling in static batches
 * ({@link dev.sparkgen.model.generate.search.TokenSampling}) or continuous batching
 * ({@link dev.sparkgen.model.generate.search.ContinuousDecoding}, with {@code SharedPrefixes}
 * grouping prompts by common prefix) and beam search
 * ({@link dev.sparkgen.model.generate.search.BeamSearch} with one
 * {@code BeamState} per prompt), with token selection (on the host, {@code TokenChoice}, or where the
 * logits are, {@code DeviceSampling}), sampling streams and stop strings (incremental
 * {@link dev.sparkgen.model.generate.search.ContinuationText}).
 */
package dev.sparkgen.model.generate.search;
