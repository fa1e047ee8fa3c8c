package dev.sparkgen.model;

import ai.djl.ndarray.NDArray;

/**
 * Reads a decode step's logits where the model computed them ({@link DecodeBatch#step(int[],
 * LogitsReader)}), so that only what it returns has to cross to the host.
 *
 * @param <T> what the reader makes of the logits (host values: it must not keep the arrays)
 */
@FunctionalInterface
public interface LogitsReader<T> {

  /**
   * {@code logits}: [rows, vocab] float32 on the model's device, row r for the batch's row r. The
   * array, and every array made from it or created while this runs, is freed when the step
   * returns: copy out what must outlive it.
   */
  T read(NDArray logits);
}
