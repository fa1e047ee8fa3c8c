/**
 * The blocks every family is built from, written once: {@link dev.sparkgen.model.nn.Attention}
 * (fused QKV, GQA, optional q/k norm, RoPE, soft-capping, sliding window, KV cache; the score scale
 * folded into weights), {@link dev.sparkgen.model.nn.DecoderBlock} (pre-norm, optional Gemma 2
 * post-norms), the norms ({@link dev.sparkgen.model.nn.LayerNorm},
 * {@link dev.sparkgen.model.nn.RmsNorm}), the MLPs ({@link dev.sparkgen.model.nn.GeluMlp},
 * {@link dev.sparkgen.model.nn.GatedMlp} with an {@link dev.sparkgen.model.nn.MlpActivation}) and
 * rotary embeddings ({@link dev.sparkgen.model.nn.RopeFrequencies} per RoPE type,
 * {@link dev.sparkgen.model.nn.RotaryEmbedding} with partial rotation,
 * {@link dev.sparkgen.model.nn.RopeTable} per batch). Shapes are in each method's comments;
 * everything computes in float32.
 */
package dev.sparkgen.model.nn;
