package dev.sparkgen.model.generate;

import java.util.Locale;

/**
 * How {@link Generator} puts prompts' rows into batches (greedy and sampling; beam search is
 * always static).
 */
public enum Scheduler {
  /**
   * One batch keeps up to batch_size rows decoding; a finished row's place goes to the next prompt
   * at once ({@link dev.sparkgen.model.generate.search.ContinuousDecoding}). The default.
   */
  CONTINUOUS,
  /**
   * Prompts sorted by length are cut into batches that each run until their longest row ends
   * (finished rows leave, nothing joins): for comparison, and as a fall-back.
   */
  STATIC;

  /** The setting's value as written in configuration: {@code continuous} or {@code static}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a setting value (case-insensitive). */
  public static Scheduler parse(String value) {
    for (Scheduler s : values()) {
      if (s.label().equalsIgnoreCase(value.trim())) {
        return s;
      }
    }
    throw new IllegalArgumentException("scheduler must be continuous or static, got '" + value + "'");
  }
}
