/**
 * Decoding loops over a {@link dev.sparkgen.model.DecodeBatch}: greedy/sampling in static batches
 * ({@link dev.sparkgen.model.generate.search.TokenSampling}) or continuous batching
 * ({@link dev.sparkgen.model.generate.search.ContinuousDecoding}, with {@code SharedPrefixes}
 * grouping prompts by common prefix) and beam search
 * ({@link dev.sparkgen.model.generate.search.BeamSearch} with one
 * {@code BeamState} per prompt), with token selection, sampling streams and stop strings.
 */
package dev.sparkgen.model.generate.search;
