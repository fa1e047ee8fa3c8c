package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;

/** The feed-forward half of a block. */
public interface Mlp {
  /** x: [batch, seq, hidden] -> [batch, seq, hidden]. */
  NDArray apply(NDArray x);
}
