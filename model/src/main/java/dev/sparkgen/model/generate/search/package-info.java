/**
 * Decoding loops over a {@link dev.sparkgen.model.DecodeBatch}: greedy/sampling
 * ({@link dev.sparkgen.model.generate.search.TokenSampling}) and beam search
 * ({@link dev.sparkgen.model.generate.search.BeamSearch} with one
 * {@code BeamState} per prompt), with token selection, sampling streams and stop strings.
 */
package dev.sparkgen.model.generate.search;
