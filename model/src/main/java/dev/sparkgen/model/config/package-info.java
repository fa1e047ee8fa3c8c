/**
 * Model families and their configuration: one small class per {@code model_type} behind
 * {@link dev.sparkgen.model.config.ModelFamily} ({@code Gpt2}, {@code Llama}, {@code Mistral},
 * {@code Qwen2}, {@code Qwen3}, {@code Gemma}, {@code Gemma2}, {@code Phi3}).
 *
 * <p>A family reads and writes its {@code config.json} dialect into the family-neutral
 * {@link dev.sparkgen.model.config.ModelConfig} (sizes and block options), and describes its
 * checkpoint as an {@link dev.sparkgen.model.config.Architecture}: which tensor feeds which part of
 * the shared blocks in {@code nn/}, from which the required shapes follow. What Llama-derived
 * families share (keys, tensor names, sliding-window rules) is in {@code LlamaDialect};
 * {@link dev.sparkgen.model.config.RopeParameters} reads RoPE settings in both of Hugging Face's
 * layouts. Values sparkgen cannot compute exactly are refused here, before any work, naming the
 * file, key and value ({@code ComputationKeys} refuses keys a family does not use).
 *
 * <p>Adding a family: one class implementing {@code ModelFamily}, one line in
 * {@code ModelFamily.all()}, a golden folder and its entry in the golden tests.
 */
package dev.sparkgen.model.config;
