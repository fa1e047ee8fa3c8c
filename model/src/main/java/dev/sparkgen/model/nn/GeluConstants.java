package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The tanh-approximate GELU's ({@code gelu_new}, {@code gelu_pytorch_tanh}) scalar factors as
 * tensors made once per model: {@code mul(float)} would build a new scalar tensor through JNI on
 * every call.
 */
public record GeluConstants(NDArray geluC1, NDArray geluC2) {
  /** Creates the factors on the model's manager: gelu_new's {@code 2 sqrt(2/pi)} and {@code 0.044715 * 2 sqrt(2/pi)}. */
  public static GeluConstants create(NDManager m) {
    double c1 = 2 * Math.sqrt(2 / Math.PI);
    return new GeluConstants(m.create((float) c1), m.create((float) (0.044715 * c1)));
  }
}
