package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * RMSNorm: {@code w * x / sqrt(mean(x^2) + eps)}, no mean subtraction, no bias, in float32. Gemma's
 * {@code (1 + w)} form is this with {@code 1 + w} computed once at load; Qwen3's per-head q/k norms
 * are this over head_dim, with a weight that may broadcast over heads ([heads, 1, head_dim]).
 */
public record RmsNorm(NDArray weight, NDArray eps) implements Norm {
  @Override
  public NDArray apply(NDArray x) {
    NDArray ms = x.square().mean(new int[] {-1}, true); // [..., 1]
    return x.div(ms.add(eps).sqrt()).mul(weight);
  }
}
