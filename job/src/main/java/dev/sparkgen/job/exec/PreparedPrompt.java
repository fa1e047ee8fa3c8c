package dev.sparkgen.job.exec;

import org.apache.spark.sql.Row;

/**
 * One input row made ready for generation: its token ids and key, or why it cannot be generated.
 *
 * @param ids the prompt's token ids; null when {@code error} is set
 * @param error why the row is skipped, null when it is fine
 */
public record PreparedPrompt(Row row, long key, int[] ids, String error) {}
