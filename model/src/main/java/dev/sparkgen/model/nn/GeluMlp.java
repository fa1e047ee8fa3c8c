package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

/**
 * GPT-2's MLP: {@code c_proj(gelu_new(c_fc(x)))}. Weights are in Linear layout [out, in] (the
 * Conv1D [in, out] files are transposed at load).
 */
public record GeluMlp(NDArray fcWeight, NDArray fcBias, NDArray projWeight, NDArray projBias, GeluConstants k) implements Mlp {
  @Override
  public NDArray apply(NDArray x) {
    NDArray h = Linear.linear(x, fcWeight, fcBias).singletonOrThrow(); // [B, T, 4d]
    return Linear.linear(geluNew(h, k), projWeight, projBias).singletonOrThrow();
  }

  /**
   * The tanh approximation {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, not erf GELU,
   * in six native calls instead of nine: {@code 0.5 (1 + tanh(z)) = sigmoid(2z)}, so it equals
   * {@code x * sigmoid(x (c1 + c2 x^2))} with c1 = 2 sqrt(2/pi), c2 = 0.044715 c1.
   */
  static NDArray geluNew(NDArray x, GeluConstants k) {
    return Activation.sigmoid(x.mul(x).mul(k.geluC2()).add(k.geluC1()).mul(x)).mul(x);
  }
}
