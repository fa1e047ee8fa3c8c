package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.core.Linear;
import dev.sparkgen.model.cache.KvCache;

/**
 * Causal self-attention with a KV cache, written once for both families: fused QKV projection,
 * optional RoPE, grouped-query attention (each KV head serves a contiguous group of query heads).
 *
 * @param qkvWeight [(heads + 2 kvHeads) * headDim, hidden]; bias may be null
 * @param outWeight [hidden, heads * headDim]; bias may be null
 * @param scale 1/sqrt(headDim) as a scalar tensor, or null when the query rows of qkvWeight (and
 *     bias) are already scaled by it
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
    if (cache != null && t == 1) {
      return decodeStep(x, b, in, cache);
    }
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
    NDArray qg = (scale == null ? q : q.mul(scale)).reshape(b, kvHeads, groups * t, headDim);
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

  /**
   * One new token per row (decode), with as few native calls as the shapes allow: with T = 1 the
   * projection [B, 1, (H + 2K) * hd] already is [B, H + 2K, 1, hd] in memory, so heads need no
   * transpose, one split cuts q, k, v, RoPE rotates q and k in one pass, and the attention output
   * [B, K, G, hd] is [B, 1, H * hd] as it stands. The mask is skipped when no row has padding.
   */
  private NDArray decodeStep(NDArray x, long b, StepInputs in, KvCache cache) {
    int groups = heads / kvHeads;
    NDArray qkv = linear(x, qkvWeight, qkvBias).reshape(b, heads + 2L * kvHeads, 1, headDim);
    NDArray q;
    NDArray k;
    NDArray v;
    if (rotary != null) {
      NDList qkAndV = qkv.split(new long[] {heads + kvHeads}, 1);
      NDList qk = rotary.apply(qkAndV.get(0), in.rope()).split(new long[] {heads}, 1);
      q = qk.get(0); // [B, H, 1, hd]
      k = qk.get(1); // [B, K, 1, hd]
      v = qkAndV.get(1);
    } else {
      NDList parts = qkv.split(new long[] {heads, heads + kvHeads}, 1);
      q = parts.get(0);
      k = parts.get(1);
      v = parts.get(2);
    }
    int s = in.slot() + 1;
    cache.write(layer, in.slot(), k, v);
    NDArray keys = cache.keys(layer, s); // [B, K, S, hd]
    NDArray values = cache.values(layer, s);
    NDArray qg = (scale == null ? q : q.mul(scale)).reshape(b, kvHeads, groups, headDim); // [B, K, G, hd]
    NDArray scores = qg.matMul(keys.transpose(0, 1, 3, 2)); // [B, K, G, S]
    if (in.maskBias() != null) {
      scores = scores.reshape(b, heads, 1, s).add(in.maskBias()).reshape(b, kvHeads, groups, s);
    }
    NDArray out = scores.softmax(-1).matMul(values).reshape(b, 1, (long) heads * headDim); // [B, 1, H*hd]
    return linear(out, outWeight, outBias);
  }

  private static NDArray linear(NDArray x, NDArray w, NDArray bias) {
    return (bias == null ? Linear.linear(x, w) : Linear.linear(x, w, bias)).singletonOrThrow();
  }
}
