package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** LayerNorm with weight and bias (GPT-2 {@code ln_1}, {@code ln_2}, {@code ln_f}), via libtorch's fused kernel. */
public record LayerNorm(NDArray weight, NDArray bias, float eps) implements Norm {
  @Override
  public NDArray apply(NDArray x) {
    return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(weight.getShape().get(0)), weight, bias, eps).singletonOrThrow();
  }
}
