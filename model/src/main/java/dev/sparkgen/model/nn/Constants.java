package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Scalar tensors made once per model: {@code mul(float)} would build a new scalar tensor through
 * JNI on every call.
 */
public record Constants(NDArray one, NDArray half, NDArray geluCubic, NDArray sqrtTwoOverPi) {
  /** Creates the constants on the model's manager. */
  public static Constants create(NDManager m) {
    return new Constants(m.create(1f), m.create(0.5f), m.create(0.044715f), m.create((float) Math.sqrt(2 / Math.PI)));
  }
}
