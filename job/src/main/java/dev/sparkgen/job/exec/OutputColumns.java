package dev.sparkgen.job.exec;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The columns the job appends to every input row; one output row per returned sequence. */
public final class OutputColumns {
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

  /** The appended fields, in order. */
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

  private OutputColumns() {}

  /** The input's fields followed by the appended ones; refuses an input that already has one of them. */
  public static StructType schema(StructType input) {
    StructType out = input;
    for (StructField f : FIELDS) {
      if (List.of(input.fieldNames()).contains(f.name())) {
        throw new IllegalArgumentException("input column '" + f.name() + "' clashes with an output column of the"
            + " same name; rename it (output columns: " + FIELDS.stream().map(StructField::name).toList() + ")");
      }
      out = out.add(f);
    }
    return out;
  }
}
