package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;

/** A normalisation over the last axis: LayerNorm (GPT-2) or RMSNorm (Llama). */
public interface Norm {
  /** x: [..., hidden] -> [..., hidden]. */
  NDArray apply(NDArray x);
}
