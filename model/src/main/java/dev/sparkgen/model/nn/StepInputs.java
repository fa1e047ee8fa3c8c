package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * What every layer needs for one forward call over t new tokens per row.
 *
 * @param slot first cache slot written by this call; keys visible are slots [0, slot + t)
 * @param maskBias additive mask, [batch, 1, t, slot + t]: 0 where visible, float min where not;
 *     null in a decode step (t = 1) where no row is padded
 * @param windowBias the same for layers with a sliding window when t > 1 (key j visible to query i
 *     iff also i - W < j), else null: decode steps slice the window out of the keys instead
 * @param rope cos and sin for these positions, each [batch, 1, t, headDim], or null (GPT-2)
 */
public record StepInputs(int slot, NDArray maskBias, NDArray windowBias, NDArray[] rope) {
  /** Inputs without sliding-window layers. */
  public StepInputs(int slot, NDArray maskBias, NDArray[] rope) {
    this(slot, maskBias, null, rope);
  }
}
