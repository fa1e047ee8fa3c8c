package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;

/** A normalisation over the last axis: {@link LayerNorm} (GPT-2) or {@link RmsNorm} (the others). */
public interface Norm {
  /** x: [..., hidden] -> [..., hidden]. */
  NDArray apply(NDArray x);
}
