package dev.sparkgen.job.chat;

import dev.sparkgen.model.chat.ReasoningSplit;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * The output columns the chat settings add after the job's own: {@code prompt_text}
 * (output_prompt=true) and {@code reasoning} (reasoning=split), in that order.
 */
public final class ChatColumns {
  public static final String PROMPT_TEXT = "prompt_text";
  public static final String REASONING = "reasoning";

  private ChatColumns() {}

  /** The added fields for these settings (none by default). */
  public static List<StructField> fields(ChatSettings s) {
    List<StructField> out = new ArrayList<>(2);
    if (s.outputPrompt()) {
      out.add(DataTypes.createStructField(PROMPT_TEXT, DataTypes.StringType, true));
    }
    if (s.reasoning() == ChatSettings.Reasoning.SPLIT) {
      out.add(DataTypes.createStructField(REASONING, DataTypes.StringType, true));
    }
    return out;
  }

  /** The added values of one output row, matching {@link #fields}; {@code split} null for an error row. */
  public static Object[] values(ChatSettings s, String promptText, ReasoningSplit split) {
    List<Object> out = new ArrayList<>(2);
    if (s.outputPrompt()) {
      out.add(promptText);
    }
    if (s.reasoning() == ChatSettings.Reasoning.SPLIT) {
      out.add(split == null ? null : split.reasoning());
    }
    return out.toArray();
  }
}
