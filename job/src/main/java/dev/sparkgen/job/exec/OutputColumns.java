package dev.sparkgen.job.exec;

import dev.sparkgen.job.chat.ChatSettings;
import dev.sparkgen.model.generate.Sequence;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The one class that knows the output row: every input column, then the job's columns ({@link
 * #FIELDS}), then the chat columns these settings ask for ({@code prompt_text} with
 * output_prompt=true, {@code reasoning} with reasoning=split), in that order. One output row per
 * returned sequence; the schema ({@link #schema}) and the rows ({@link #sequenceRow}, {@link
 * #errorRow}) are built here together so they cannot drift apart.
 */
public final class OutputColumns implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String SAMPLE_INDEX = "sample_index";
  public static final String GENERATED_TOKEN_IDS = "generated_token_ids";
  public static final String GENERATED_TEXT = "generated_text";
  public static final String NUM_PROMPT_TOKENS = "num_prompt_tokens";
  public static final String NUM_GENERATED_TOKENS = "num_generated_tokens";
  public static final String FINISH_REASON = "finish_reason";
  public static final String CUMULATIVE_LOGPROB = "cumulative_logprob";
  public static final String SCORE = "score";
  public static final String TOKEN_LOGPROBS = "token_logprobs";
  public static final String ERROR = "error";
  public static final String PROMPT_TEXT = "prompt_text";
  public static final String REASONING = "reasoning";

  /** The job's own appended fields, in order (always present). */
  public static final List<StructField> FIELDS = List.of(
      DataTypes.createStructField(SAMPLE_INDEX, DataTypes.IntegerType, false),
      DataTypes.createStructField(GENERATED_TOKEN_IDS, DataTypes.createArrayType(DataTypes.IntegerType, false), true),
      DataTypes.createStructField(GENERATED_TEXT, DataTypes.StringType, true),
      DataTypes.createStructField(NUM_PROMPT_TOKENS, DataTypes.IntegerType, true),
      DataTypes.createStructField(NUM_GENERATED_TOKENS, DataTypes.IntegerType, true),
      DataTypes.createStructField(FINISH_REASON, DataTypes.StringType, true),
      DataTypes.createStructField(CUMULATIVE_LOGPROB, DataTypes.DoubleType, true),
      DataTypes.createStructField(SCORE, DataTypes.DoubleType, true),
      DataTypes.createStructField(TOKEN_LOGPROBS, DataTypes.createArrayType(DataTypes.FloatType, false), true),
      DataTypes.createStructField(ERROR, DataTypes.StringType, true));

  private final boolean promptText;
  private final boolean reasoning;

  /** The columns for these chat settings (no chat columns by default). */
  public OutputColumns(ChatSettings chat) {
    this.promptText = chat.outputPrompt();
    this.reasoning = chat.reasoning() == ChatSettings.Reasoning.SPLIT;
  }

  /** Every appended field, in order: {@link #FIELDS}, then the chat columns asked for. */
  public List<StructField> appended() {
    List<StructField> out = new ArrayList<>(FIELDS);
    if (promptText) {
      out.add(DataTypes.createStructField(PROMPT_TEXT, DataTypes.StringType, true));
    }
    if (reasoning) {
      out.add(DataTypes.createStructField(REASONING, DataTypes.StringType, true));
    }
    return out;
  }

  /**
   * The input's fields followed by {@link #appended}.
   *
   * @throws IllegalArgumentException naming the column when the input already has one of them
   */
  public StructType schema(StructType input) {
    StructType out = input;
    List<String> names = List.of(input.fieldNames());
    for (StructField f : appended()) {
      if (names.contains(f.name())) {
        throw new IllegalArgumentException("input column '" + f.name() + "' clashes with an output column of the"
            + " same name; rename it (output columns: " + appended().stream().map(StructField::name).toList() + ")");
      }
      out = out.add(f);
    }
    return out;
  }

  /**
   * The output row of one generated sequence.
   *
   * @param text the generated text as written (the content part under reasoning=split)
   * @param promptText the rendered prompt, for output_prompt
   * @param reasoningText the reasoning part under reasoning=split, else ignored
   * @param error set only for a row that did not complete its response format
   */
  public Row sequenceRow(Row in, Sequence s, String text, int promptTokens, String promptText, String reasoningText,
      String error) {
    return row(in, new Object[] {s.sampleIndex(), s.tokenIds(), text, promptTokens, s.tokenIds().length,
        s.finishReason().label(), s.cumulativeLogprob(), s.score(), s.tokenLogprobs(), error}, promptText,
        reasoningText);
  }

  /**
   * The output row of a failed input row for one sample index: every generated column null, {@code
   * error} set; {@code promptText} (null when the row failed before it was rendered or tokenised) fills
   * prompt_text under output_prompt, so a prompt refused as too long can be read.
   */
  public Row errorRow(Row in, int sampleIndex, String error, String promptText) {
    return row(in, new Object[] {sampleIndex, null, null, null, null, null, null, null, null, error}, promptText, null);
  }

  private Row row(Row in, Object[] job, String promptTextValue, String reasoningValue) {
    int chat = (promptText ? 1 : 0) + (reasoning ? 1 : 0);
    Object[] values = new Object[in.length() + job.length + chat];
    for (int i = 0; i < in.length(); i++) {
      values[i] = in.get(i);
    }
    System.arraycopy(job, 0, values, in.length(), job.length);
    int at = in.length() + job.length;
    if (promptText) {
      values[at++] = promptTextValue;
    }
    if (reasoning) {
      values[at] = reasoningValue;
    }
    return RowFactory.create(values);
  }
}
