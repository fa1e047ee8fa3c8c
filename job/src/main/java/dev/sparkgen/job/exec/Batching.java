package dev.sparkgen.job.exec;

import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.generate.BatchMemory;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Scheduler;
import java.io.Serializable;
import java.util.Locale;

/**
 * How a partition batches its prompts: the scheduler, batch_size (0 = auto), max_batch_memory and
 * prefix_min_tokens. A partition's batch size comes from the lengths it actually holds: the
 * largest number of rows whose {@link BatchMemory} estimate, for its longest prompt, fits
 * max_batch_memory, at most {@link #AUTO_MAX_ROWS} under auto and at most batch_size when that is
 * set (a set batch_size is lowered, with a warning, where the partition's prompts need it).
 *
 * @param batchSize rows per batch as set, or 0 for auto
 * @param prefixMinTokens shared-prefix reuse's minimum prefix, 0 = off
 */
public record Batching(Scheduler scheduler, int batchSize, long maxBatchMemory, int prefixMinTokens)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * The most rows batch_size=auto chooses: on a CPU a decode step's matrix products run near their
   * peak well before 64 rows, while memory, a step's latency and the attention over every row's
   * cache keep growing with the rows.
   */
  public static final int AUTO_MAX_ROWS = 64;

  /** True for batch_size=auto. */
  public boolean auto() {
    return batchSize == 0;
  }

  /** Rows per batch for a partition whose longest prompt has {@code longestPrompt} tokens; 0 if none fit. */
  public int rows(ModelConfig c, GenerationConfig g, int longestPrompt) {
    return BatchMemory.largestFitting(c, g, scheduler, maxBatchMemory, longestPrompt, prefixMinTokens > 0, cap());
  }

  /** The estimate for {@code rows} rows and that longest prompt. */
  public BatchMemory memory(ModelConfig c, GenerationConfig g, int rows, int longestPrompt) {
    return BatchMemory.of(c, g, scheduler, rows, longestPrompt, prefixMinTokens > 0);
  }

  /** The most rows a batch may have: batch_size, or {@link #AUTO_MAX_ROWS} under auto. */
  public int cap() {
    return auto() ? AUTO_MAX_ROWS : batchSize;
  }

  /** The scheduler a generation with {@code g} really uses: static under beam search. */
  public Scheduler scheduler(GenerationConfig g) {
    return g.numBeams() > 1 ? Scheduler.STATIC : scheduler;
  }

  /**
   * The line the driver prints at start: how batches will be sized, with the rows that fit for
   * prompts of 32 and 512 tokens and at the full context.
   */
  public String describe(ModelConfig c, GenerationConfig g) {
    StringBuilder sb = new StringBuilder();
    sb.append("batch_size=").append(auto() ? "auto" : Integer.toString(batchSize)).append(", scheduler=")
        .append(scheduler(g).label());
    if (scheduler(g) == Scheduler.CONTINUOUS) {
      sb.append(prefixMinTokens > 0 ? ", shared prefixes of " + prefixMinTokens + "+ tokens reused" : ", no prefix reuse");
    }
    sb.append(": each partition sizes its batches from its longest prompt against max_batch_memory=")
        .append(BatchMemory.size(maxBatchMemory)).append(auto() ? " (at most " + AUTO_MAX_ROWS + " rows)" : "")
        .append("; with max_new_tokens=").append(g.maxNewTokens()).append(" that is");
    String sep = " ";
    for (int length : new int[] {32, 512, c.maxPositions() - 1}) {
      if (length < c.maxPositions()) {
        int rows = rows(c, g, length);
        sb.append(sep).append(String.format(Locale.ROOT, "%d rows for prompts of %d tokens%s", rows, length,
            length == c.maxPositions() - 1 ? " (the context)" : ""));
        sep = ", ";
      }
    }
    return sb.toString();
  }
}
