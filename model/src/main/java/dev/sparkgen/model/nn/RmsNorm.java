package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;

/** Llama's RMSNorm: {@code w * x / sqrt(mean(x^2) + eps)}, no mean subtraction, no bias. */
public record RmsNorm(NDArray weight, NDArray eps) implements Norm {
  @Override
  public NDArray apply(NDArray x) {
    NDArray ms = x.square().mean(new int[] {-1}, true); // [..., 1]
    return x.div(ms.add(eps).sqrt()).mul(weight);
  }
}
