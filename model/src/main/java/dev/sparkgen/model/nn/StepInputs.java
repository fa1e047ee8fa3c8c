package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * What every layer needs for one forward call over t new tokens per row.
 *
 * @param slot first cache slot written by this call; keys visible are slots [0, slot + t)
 * @param maskBias additive mask, [batch, 1, t, slot + t]: 0 where visible, float min where not;
 *     null in a decode step (t = 1) where nothing is masked
 * @param rope cos and sin for these positions (Llama), or null (GPT-2)
 */
public record StepInputs(int slot, NDArray maskBias, NDArray[] rope) {}
