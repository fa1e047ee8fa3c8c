package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** The MLP activations sparkgen computes, under Hugging Face's {@code ACT2FN} names. */
public enum MlpActivation {
  /** {@code silu} (= {@code swish}): x * sigmoid(x). */
  SILU,
  /** {@code gelu_new} / {@code gelu_pytorch_tanh}: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
  GELU_TANH,
  /** {@code gelu}: the exact x * Phi(x) with the erf, as torch's default {@code gelu}. */
  GELU;

  /** The activation for a Hugging Face name; fails on one sparkgen does not compute. */
  public static MlpActivation of(String hfName) {
    return switch (hfName) {
      case "silu", "swish" -> SILU;
      case "gelu_new", "gelu_pytorch_tanh" -> GELU_TANH;
      case "gelu" -> GELU;
      default -> throw new IllegalArgumentException("unsupported activation '" + hfName + "'");
    };
  }

  /** Applies the activation elementwise. */
  public NDArray apply(NDArray x, GeluConstants k) {
    return switch (this) {
      case SILU -> Activation.sigmoid(x).mul(x);
      case GELU_TANH -> GeluMlp.geluNew(x, k);
      case GELU -> Activation.gelu(x);
    };
  }
}
