package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import dev.sparkgen.model.cache.KvCache;

/**
 * A pre-norm transformer block: {@code h = x + postAttentionNorm(attn(norm1(x)))}, then
 * {@code out = h + postMlpNorm(mlp(norm2(h)))}. The two post-norms are null except in Gemma 2 (its
 * "sandwich" norms).
 */
public record DecoderBlock(Norm norm1, Attention attention, Norm postAttentionNorm, Norm norm2, Mlp mlp,
    Norm postMlpNorm) {

  /** A block without post-norms (GPT-2, Llama, ...). */
  public DecoderBlock(Norm norm1, Attention attention, Norm norm2, Mlp mlp) {
    this(norm1, attention, null, norm2, mlp, null);
  }

  /** x: [B, T, hidden] -> [B, T, hidden]. */
  public NDArray apply(NDArray x, StepInputs in, KvCache cache) {
    NDArray a = attention.apply(norm1.apply(x), in, cache);
    NDArray h = x.add(postAttentionNorm == null ? a : postAttentionNorm.apply(a));
    NDArray m = mlp.apply(norm2.apply(h));
    return h.add(postMlpNorm == null ? m : postMlpNorm.apply(m));
  }
}
