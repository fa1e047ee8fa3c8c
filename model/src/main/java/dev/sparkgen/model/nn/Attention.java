package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.sparkgen.model.cache.KvCache;

/**
 * Causal self-attention with a KV cache, written once for every family: fused QKV projection,
 * optional per-head q/k RMSNorm (Qwen3), optional RoPE, grouped-query attention (each KV head serves
 * a contiguous group of query heads), optional soft-capping of the scores (Gemma 2) and an optional
 * sliding window (Mistral, Gemma 2, Phi-3).
 *
 * <p>The score scale (1/sqrt(head_dim), or Gemma 2's query_pre_attn_scalar^-0.5) and 1/softcap are
 * folded into the weights at load: into the query rows of {@code qkvWeight} (and bias) or, when
 * queries are normalised, into the q-norm weight (RMSNorm would undo a scale applied before it).
 * RoPE is linear, so scaling before it is the same. Softcapped scores are then
 * {@code softcap * tanh(q . k)}.
 *
 * @param qkvWeight [(heads + 2 kvHeads) * headDim, hidden]; bias may be null
 * @param outWeight [hidden, heads * headDim]; bias may be null
 * @param scale the score scale as a scalar tensor, or null when it is folded into the weights
 * @param qNorm per-head RMSNorm of queries [B, H, T, hd], or null; {@code kNorm} likewise for keys
 * @param qkNorm the two as one norm of the decode step's [B, H + K, 1, hd] (weight [H + K, 1, hd])
 * @param softcap c of {@code c * tanh(s / c)} as a scalar tensor, or null
 * @param window sliding window W (query i sees keys i - W < j <= i), or 0 for full attention
 */
public record Attention(
    int layer, int heads, int kvHeads, int headDim,
    NDArray qkvWeight, NDArray qkvBias, NDArray outWeight, NDArray outBias,
    NDArray scale, RotaryEmbedding rotary, Norm qNorm, Norm kNorm, Norm qkNorm, NDArray softcap, int window) {

  /** Attention without q/k norm, soft-capping or window (GPT-2, Llama). */
  public Attention(int layer, int heads, int kvHeads, int headDim, NDArray qkvWeight, NDArray qkvBias,
      NDArray outWeight, NDArray outBias, NDArray scale, RotaryEmbedding rotary) {
    this(layer, heads, kvHeads, headDim, qkvWeight, qkvBias, outWeight, outBias, scale, rotary, null, null, null, null, 0);
  }

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
    if (qNorm != null) {
      q = qNorm.apply(q);
      k = kNorm.apply(k);
    }
    if (rotary != null) {
      q = rotary.apply(q, in.rope());
      k = rotary.apply(k, in.rope());
    }
    int s = in.slot() + (int) t - in.first(); // keys seen: slots [first, slot + t)
    NDArray keys = k; // [B, K, S, hd]
    NDArray values = v;
    if (cache != null) {
      cache.write(layer, in.slot(), k, v);
      keys = cache.keys(layer, in.first(), in.slot() + (int) t);
      values = cache.values(layer, in.first(), in.slot() + (int) t);
    }
    // Group query heads under their KV head instead of repeating K and V: [B, K, G*T, hd].
    NDArray qg = (scale == null ? q : q.mul(scale)).reshape(b, kvHeads, groups * t, headDim);
    NDArray scores = qg.matMul(keys.transpose(0, 1, 3, 2)) // [B, K, G*T, S]
        .reshape(b, heads, t, s);
    if (softcap != null) {
      scores = scores.tanh().mul(softcap); // the 1/softcap is in the query weights
    }
    NDArray mask = window > 0 ? in.windowBias() : in.maskBias(); // [B, 1, T, S] broadcast over heads
    if (window > 0 && mask == null) {
      throw new IllegalStateException("layer " + layer + " has a sliding window but the step has no window mask");
    }
    NDArray probs = scores.add(mask).softmax(-1).reshape(b, kvHeads, groups * t, s);
    NDArray out = probs.matMul(values) // [B, K, G*T, hd]
        .reshape(b, heads, t, headDim)
        .transpose(0, 2, 1, 3)
        .reshape(b, t, (long) heads * headDim); // [B, T, H*hd]
    return linear(out, outWeight, outBias);
  }

  /**
   * One new token per row (decode), with as few native calls as the shapes allow: with T = 1 the
   * projection [B, 1, (H + 2K) * hd] already is [B, H + 2K, 1, hd] in memory, so heads need no
   * transpose, one split cuts q+k from v, one norm and one RoPE pass treat q and k together, and the
   * attention output [B, K, G, hd] is [B, 1, H * hd] as it stands. A sliding window reads only the
   * last W cache slots (a view), so it needs no mask; the padding mask is skipped when no row has
   * padding. Slots before {@link StepInputs#first()} are never read.
   */
  private NDArray decodeStep(NDArray x, long b, StepInputs in, KvCache cache) {
    int groups = heads / kvHeads;
    NDArray qkv = linear(x, qkvWeight, qkvBias).reshape(b, heads + 2L * kvHeads, 1, headDim);
    NDArray q;
    NDArray k;
    NDArray v;
    if (rotary != null || qkNorm != null) {
      NDList qkAndV = qkv.split(new long[] {heads + kvHeads}, 1);
      NDArray qk = qkAndV.get(0); // [B, H + K, 1, hd]
      if (qkNorm != null) {
        qk = qkNorm.apply(qk);
      }
      if (rotary != null) {
        qk = rotary.apply(qk, in.rope());
      }
      NDList parts = qk.split(new long[] {heads}, 1);
      q = parts.get(0); // [B, H, 1, hd]
      k = parts.get(1); // [B, K, 1, hd]
      v = qkAndV.get(1);
    } else {
      NDList parts = qkv.split(new long[] {heads, heads + kvHeads}, 1);
      q = parts.get(0);
      k = parts.get(1);
      v = parts.get(2);
    }
    int s = in.slot() + 1;
    int first = in.first();
    int from = window > 0 ? Math.max(first, s - window) : first; // the new token is slot s - 1; it sees W slots
    cache.write(layer, in.slot(), k, v);
    NDArray keys = cache.keys(layer, from, s); // [B, K, S', hd]
    NDArray values = cache.values(layer, from, s);
    int seen = s - from;
    NDArray qg = (scale == null ? q : q.mul(scale)).reshape(b, kvHeads, groups, headDim); // [B, K, G, hd]
    NDArray scores = qg.matMul(keys.transpose(0, 1, 3, 2)); // [B, K, G, S']
    if (softcap != null) {
      scores = scores.tanh().mul(softcap);
    }
    if (in.maskBias() != null) {
      // The mask covers slots [first, s): the window is its tail.
      NDArray mask = from == first ? in.maskBias() : JniUtils.slice((PtNDArray) in.maskBias(), 3, from - first, s - first, 1);
      scores = scores.reshape(b, heads, 1, seen).add(mask).reshape(b, kvHeads, groups, seen);
    }
    NDArray out = scores.softmax(-1).matMul(values).reshape(b, 1, (long) heads * headDim); // [B, 1, H*hd]
    return linear(out, outWeight, outBias);
  }

  private static NDArray linear(NDArray x, NDArray w, NDArray bias) {
    return (bias == null ? Linear.linear(x, w) : Linear.linear(x, w, bias)).singletonOrThrow();
  }
}
