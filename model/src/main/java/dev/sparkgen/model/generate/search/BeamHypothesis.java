package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.generate.FinishReason;

/** A finished beam-search sequence: generated tokens, normalised score, raw log-probabilities. */
record BeamHypothesis(int[] tokens, double score, float[] rawLogprobs, FinishReason reason, String text) {}
