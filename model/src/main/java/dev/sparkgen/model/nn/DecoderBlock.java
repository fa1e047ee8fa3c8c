package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import dev.sparkgen.model.cache.KvCache;

/** A pre-norm transformer block: {@code x + attn(norm1(x))}, then {@code x + mlp(norm2(x))}. */
public record DecoderBlock(Norm norm1, Attention attention, Norm norm2, Mlp mlp) {
  /** x: [B, T, hidden] -> [B, T, hidden]. */
  public NDArray apply(NDArray x, StepInputs in, KvCache cache) {
    NDArray h = x.add(attention.apply(norm1.apply(x), in, cache));
    return h.add(mlp.apply(norm2.apply(h)));
  }
}
