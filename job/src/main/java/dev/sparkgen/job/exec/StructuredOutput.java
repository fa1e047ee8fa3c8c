package dev.sparkgen.job.exec;

import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.model.generate.FinishReason;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.constraint.ResponseFormat;
import dev.sparkgen.model.generate.constraint.ResponseFormatException;
import dev.sparkgen.model.generate.constraint.TokenConstraint;
import dev.sparkgen.model.generate.constraint.TokenVocabulary;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * The structured-output settings: the job's {@code response_format} (inline text, a schema file
 * already read), the per-row {@code response_format_column}, the whitespace bound between JSON
 * tokens and what an incomplete row gets ({@code on_incomplete}). A row's format is its column's
 * value where not null, else the job's; a row with neither generates free text.
 *
 * @param format the job's format as setting text ({@link ResponseFormat#text()}), empty for none
 * @param column the column holding per-row formats, empty for none
 * @param whitespace most whitespace characters between two JSON tokens (0 = compact JSON)
 * @param keepIncomplete on_incomplete=keep: a row that did not complete its format gets no error
 */
public record StructuredOutput(String format, String column, int whitespace, boolean keepIncomplete)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** No response format at all. */
  public static final StructuredOutput NONE = new StructuredOutput("", "", 0, false);

  /**
   * From the raw values of response_format, response_format_column, response_format_whitespace
   * and on_incomplete; a schema file ({@code json_schema:@FILE}) is read here (relative paths
   * against the working directory; a properties file's own folder was applied when it was read).
   * Only the syntax is checked here; {@link #check} compiles the format.
   */
  public static StructuredOutput of(Map<String, String> v) {
    String text = v.getOrDefault("response_format", "").strip();
    String format = "";
    if (!text.isEmpty()) {
      try {
        format = ResponseFormat.readFile(text, Path.of("")).text();
      } catch (ResponseFormatException e) {
        throw new ConfigException("response_format: " + e.getMessage(), e);
      }
    }
    String ws = v.getOrDefault("response_format_whitespace", "0").strip();
    int whitespace;
    try {
      whitespace = Integer.parseInt(ws);
    } catch (NumberFormatException e) {
      throw new ConfigException("response_format_whitespace='" + ws + "': not an integer");
    }
    if (whitespace < 0 || whitespace > 64) {
      throw new ConfigException("response_format_whitespace=" + whitespace + ": must be in [0, 64]");
    }
    String incomplete = v.getOrDefault("on_incomplete", "error").strip().toLowerCase(Locale.ROOT);
    if (!incomplete.equals("error") && !incomplete.equals("keep")) {
      throw new ConfigException("on_incomplete='" + incomplete + "': must be one of error, keep");
    }
    return new StructuredOutput(format, v.getOrDefault("response_format_column", "").strip(), whitespace,
        incomplete.equals("keep"));
  }

  /** Whether any row may have a response format. */
  public boolean active() {
    return !format.isEmpty() || !column.isEmpty();
  }

  /**
   * Compiles the job's format against {@code vocabulary}, so that a schema outside the supported
   * subset is refused, with its keyword and path, before any work starts.
   */
  public void check(TokenVocabulary vocabulary) {
    if (!format.isEmpty()) {
      try {
        vocabulary.constraint(ResponseFormat.parse(format), whitespace);
      } catch (ResponseFormatException e) {
        throw new ConfigException("response_format: " + e.getMessage(), e);
      }
    }
  }

  /**
   * The constraint of one row ({@code columnIndex} -1 when the input lacks the column), or null for
   * free text. A bad format in the row's column throws {@link ResponseFormatException}.
   */
  public TokenConstraint constraint(Row row, int columnIndex, TokenVocabulary vocabulary) {
    String text = columnIndex >= 0 && !row.isNullAt(columnIndex) ? row.getString(columnIndex) : format;
    if (text.isEmpty()) {
      return null;
    }
    return vocabulary.constraint(ResponseFormat.parse(text), whitespace);
  }

  /**
   * The error of a row generated under {@code constraint}: null when its text is complete (it ended
   * with eos where the format was complete), when it has no format, or under on_incomplete=keep.
   */
  public String incompleteError(TokenConstraint constraint, Sequence s, int maxNewTokens) {
    if (constraint == null || keepIncomplete) {
      return null;
    }
    int[] ids = s.tokenIds();
    if (s.finishReason() == FinishReason.EOS && constraint.matches(ids, 0, ids.length - 1)) {
      return null;
    }
    String why = switch (s.finishReason()) {
      case LENGTH -> "max_new_tokens=" + maxNewTokens + " (or the model's context) ran out";
      case STOP -> "a stop string cut it";
      case EOS -> "it ended outside the format";
    };
    return "incomplete response_format: " + why + " before the text was complete (finish_reason "
        + s.finishReason().label() + "; on_incomplete=keep keeps such rows without an error)";
  }

  /** The settings as key/value text. */
  public Map<String, String> asMap() {
    return Map.of("response_format", format, "response_format_column", column, "response_format_whitespace",
        Integer.toString(whitespace), "on_incomplete", keepIncomplete ? "keep" : "error");
  }
}
