package dev.sparkgen.job.exec;

import org.apache.spark.sql.Row;

/**
 * One input row made ready for generation: its token ids and key, or why it cannot be generated.
 *
 * @param ids the prompt's token ids; null when {@code error} is set
 * @param error why the row is skipped, null when it is fine
 * @param text the prompt as text: the rendered chat prompt, or the text prompt; null for token ids
 * @param opensReasoning the rendered prompt leaves a {@code <think>} block open for the model
 */
public record PreparedPrompt(Row row, long key, int[] ids, String error, String text, boolean opensReasoning) {
  PreparedPrompt(Row row, long key, int[] ids, String error) {
    this(row, key, ids, error, null, false);
  }
}
