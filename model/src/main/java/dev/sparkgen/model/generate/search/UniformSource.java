package dev.sparkgen.model.generate.search;

import java.util.function.DoubleSupplier;

/**
 * Where sampling's uniform numbers in [0, 1) come from: one stream per (row key, sample index), so
 * a row's draws never depend on its batch, order, partition or retry. Tests plug in fixed lists.
 */
@FunctionalInterface
public interface UniformSource {

  /** The stream of uniforms for sample {@code sampleIndex} of the row with key {@code key}. */
  DoubleSupplier stream(long key, int sampleIndex);
}
