package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * One batch's cos and sin rows, [rows, headDim], for positions {@code [0, positions)}; with longrope
 * the long table follows the short one, so a row index says both the position and the table.
 *
 * @param longAfter a forward call over a sequence longer than this uses the long table
 */
public record RopeTable(NDArray cos, NDArray sin, int positions, int longAfter) {

  /**
   * The table row of {@code position} in a forward call whose sequence (for this batch row) is
   * {@code sequenceLength} tokens long: Hugging Face picks longrope's table per call by
   * {@code max(position_ids) + 1}, which for one row is its length after the call.
   */
  public long row(int position, int sequenceLength) {
    return sequenceLength > longAfter ? (long) positions + position : position;
  }

  /** cos and sin at the given table rows ([batch, seq] int64): each [batch, 1, seq, headDim]. */
  public NDArray[] at(NDArray rows) {
    return new NDArray[] {cos.get(rows).expandDims(1), sin.get(rows).expandDims(1)};
  }
}
