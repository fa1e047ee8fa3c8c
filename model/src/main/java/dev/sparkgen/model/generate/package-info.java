/**
 * Text generation with Hugging Face {@code generate} semantics.
 *
 * <p>{@link dev.sparkgen.model.generate.GenerationConfig} holds the settings under HF's names;
 * {@link dev.sparkgen.model.generate.Generator} batches prompts by its
 * {@link dev.sparkgen.model.generate.Scheduler} (continuous batching, or static batches) and runs
 * greedy or sampling decoding ({@code search.ContinuousDecoding}, {@code search.TokenSampling}) or
 * beam search ({@code search.BeamSearch}) over a {@link dev.sparkgen.model.BatchModel}. Each step is a pipeline: logits row -> processors in
 * HF's order ({@code logits.LogitsPipeline}) -> token selection. Rows that finish leave the batch;
 * a row's result depends only on its prompt, the configuration and, when sampling, on
 * (seed, row key, sample index).
 */
package dev.sparkgen.model.generate;
