package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.core.Linear;
import dev.sparkgen.model.cache.KvCache;

/**
 * Causal self-attention with a KV cache, written once for both families: fused QKV projection,
 * optional RoPE, grouped-query attention (each KV head serves a contiguous group of query heads).
 *
 * @param qkvWeight [(heads + 2 kvHeads) * headDim, hidden]; bias may be null
 * @param outWeight [hidden, heads * headDim]; bias may be null
 * @param scale 1/sqrt(headDim) as a scalar tensor
 */
public record Attention(
    int layer, int heads, int kvHeads, int headDim,
    NDArray qkvWeight, NDArray qkvBias, NDArray outWeight, NDArray outBias,
    NDArray scale, RotaryEmbedding rotary) {

  /**
   * x: [B, T, hidden] -> [B, T, hidden]; writes this layer's k, v at the step's slots. With no
   * cache (training: one full sequence, gradients flow) the keys are this call's own.
   */
  public NDArray apply(NDArray x, StepInputs in, KvCache cache) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    int groups = heads / kvHeads;
    NDArray qkv = linear(x, qkvWeight, qkvBias); // [B, T, (H + 2K) * hd]
    long qEnd = (long) heads * headDim;
    long kEnd = qEnd + (long) kvHeads * headDim;
    NDArray q = qkv.get("..., :{}", qEnd).reshape(b, t, heads, headDim).transpose(0, 2, 1, 3); // [B, H, T, hd]
    NDArray k = qkv.get("..., {}:{}", qEnd, kEnd).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3); // [B, K, T, hd]
    NDArray v = qkv.get("..., {}:", kEnd).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3);
    if (rotary != null) {
      q = rotary.apply(q, in.rope());
      k = rotary.apply(k, in.rope());
    }
    int s = in.slot() + (int) t;
    NDArray keys = k; // [B, K, S, hd]
    NDArray values = v;
    if (cache != null) {
      cache.write(layer, in.slot(), k, v);
      keys = cache.keys(layer, s);
      values = cache.values(layer, s);
    }
    // Group query heads under their KV head instead of repeating K and V: [B, K, G*T, hd].
    NDArray qg = q.mul(scale).reshape(b, kvHeads, groups * t, headDim);
    NDArray scores = qg.matMul(keys.transpose(0, 1, 3, 2)) // [B, K, G*T, S]
        .reshape(b, heads, t, s)
        .add(in.maskBias()); // [B, 1, T, S] broadcast over heads
    NDArray probs = scores.softmax(-1).reshape(b, kvHeads, groups * t, s);
    NDArray out = probs.matMul(values) // [B, K, G*T, hd]
        .reshape(b, heads, t, headDim)
        .transpose(0, 2, 1, 3)
        .reshape(b, t, (long) heads * headDim); // [B, T, H*hd]
    return linear(out, outWeight, outBias);
  }

  private static NDArray linear(NDArray x, NDArray w, NDArray bias) {
    return (bias == null ? Linear.linear(x, w) : Linear.linear(x, w, bias)).singletonOrThrow();
  }
}
