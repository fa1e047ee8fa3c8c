package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * What every layer needs for one forward call over t new tokens per row.
 *
 * @param slot first cache slot written by this call; keys visible are slots [first, slot + t)
 * @param first the first cache slot any row can see (0 unless the batch skips slots no row uses:
 *     a continuous batch whose oldest row starts later, or one row prefilled at its own offset)
 * @param maskBias additive mask over the visible slots, [batch, 1, t, slot + t - first]: 0 where
 *     visible, float min where not; null in a decode step (t = 1) where every visible slot is seen
 * @param windowBias the same for layers with a sliding window when t > 1 (key j visible to query i
 *     iff also i - W < j), else null: decode steps slice the window out of the keys instead
 * @param rope cos and sin for these positions, each [batch, 1, t, headDim], or null (GPT-2)
 */
public record StepInputs(int slot, int first, NDArray maskBias, NDArray windowBias, NDArray[] rope) {
  /** Inputs that see slots from 0. */
  public StepInputs(int slot, NDArray maskBias, NDArray windowBias, NDArray[] rope) {
    this(slot, 0, maskBias, windowBias, rope);
  }

  /** Inputs without sliding-window layers, seeing slots from 0. */
  public StepInputs(int slot, NDArray maskBias, NDArray[] rope) {
    this(slot, 0, maskBias, null, rope);
  }
}
