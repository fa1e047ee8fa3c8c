package dev.sparkgen.job.exec;

import java.io.Serializable;
import org.apache.spark.util.LongAccumulator;

/**
 * What executors report while a partition is generating: prompts finished (generated, or failed as
 * error rows) and tokens generated. Two named Spark accumulators, added to as each prompt's rows
 * are ready, so an executor's heartbeat carries the running task's counts to the driver mid-partition
 * (where {@code progress.ProgressListener} reads them) and the Spark UI's stage pages show them.
 *
 * @param prompts input rows finished (every sample of the row emitted)
 * @param tokens generated tokens, summed over samples
 */
public record ProgressCounters(LongAccumulator prompts, LongAccumulator tokens) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Name of the prompts accumulator, as the Spark UI shows it. */
  public static final String PROMPTS = "sparkgen prompts done";
  /** Name of the generated-tokens accumulator, as the Spark UI shows it. */
  public static final String TOKENS = "sparkgen generated tokens";

  /** Counts one finished prompt that generated {@code generated} tokens over all its samples. */
  public void prompt(long generated) {
    prompts.add(1);
    tokens.add(generated);
  }
}
