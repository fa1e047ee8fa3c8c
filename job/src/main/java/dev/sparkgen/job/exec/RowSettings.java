package dev.sparkgen.job.exec;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.GenerationKey;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;

/**
 * Per-row generation settings (generation_params_column): a row's entries, Hugging Face key names
 * to values, applied over the job's resolved settings with {@link GenerationConfig#fromMap}, so a
 * row gets exactly the settings a whole job with those keys would resolve. The column is a
 * {@code map<string,string>} or a JSON object string; JSON numbers, booleans and strings are taken
 * as their text, an array as JSON text (for {@code stop}) or comma-separated ids (for {@code
 * eos_token_id}). A null or empty value means the job's settings.
 */
public final class RowSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The key that names the column, the prefix of every message. */
  public static final String KEY = "generation_params_column";

  private final int column; // index in the input rows, -1 when the key is not set
  private final boolean json; // a JSON string column, else map<string,string>
  private final GenerationConfig base;
  private final boolean oneSequence; // refuse num_return_sequences != 1 (the SQL function returns one per row)

  private RowSettings(int column, boolean json, GenerationConfig base, boolean oneSequence) {
    this.column = column;
    this.json = json;
    this.base = base;
    this.oneSequence = oneSequence;
  }

  /** These settings, refusing a row whose settings ask for more than one sequence (one output row per input row). */
  public RowSettings oneSequence() {
    return new RowSettings(column, json, base, true);
  }

  /** No per-row settings: every row gets {@code base}. */
  public static RowSettings none(GenerationConfig base) {
    return new RowSettings(-1, false, base, false);
  }

  /**
   * Per-row settings from the column at {@code index} of type {@code type}, over {@code base}.
   *
   * @throws IllegalArgumentException naming the column when its type is neither map&lt;string,string&gt; nor string
   */
  public static RowSettings of(String name, int index, DataType type, GenerationConfig base) {
    if (type.equals(DataTypes.StringType)) {
      return new RowSettings(index, true, base, false);
    }
    if (type instanceof MapType m && m.keyType().equals(DataTypes.StringType)
        && m.valueType().equals(DataTypes.StringType)) {
      return new RowSettings(index, false, base, false);
    }
    throw new IllegalArgumentException(KEY + " '" + name + "' must be map<string,string> or a JSON object string, not "
        + type.simpleString());
  }

  /** Whether rows may carry their own settings. */
  public boolean active() {
    return column >= 0;
  }

  /** The job's settings. */
  public GenerationConfig base() {
    return base;
  }

  /**
   * {@code row}'s settings: the job's with the row's entries applied, or {@link #base} itself when it has none.
   *
   * @throws IllegalArgumentException with a message naming the key and value (or the JSON problem)
   */
  public GenerationConfig of(Row row) {
    if (column < 0 || row.isNullAt(column)) {
      return base;
    }
    Map<String, String> values = json ? fromJson(row.getString(column)) : new LinkedHashMap<>(row.getJavaMap(column));
    if (values.isEmpty()) {
      return base;
    }
    GenerationConfig own;
    try {
      own = GenerationConfig.fromMap(values, base);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(KEY + ": " + e.getMessage(), e);
    }
    if (oneSequence && own.numReturnSequences() != 1) {
      throw new IllegalArgumentException(KEY + ": num_return_sequences=" + own.numReturnSequences()
          + ": one sequence per row here (the SQL function returns one struct per row)");
    }
    return own;
  }

  private static Map<String, String> fromJson(String text) {
    if (text.isBlank()) {
      return Map.of();
    }
    JsonElement parsed;
    try {
      parsed = JsonParser.parseString(text);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(KEY + ": invalid JSON: " + text, e);
    }
    if (!parsed.isJsonObject()) {
      throw new IllegalArgumentException(KEY + ": expected a JSON object of generation settings, got " + text);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : ((JsonObject) parsed).entrySet()) {
      out.put(e.getKey(), text(e.getKey(), e.getValue()));
    }
    return out;
  }

  /** A JSON value as the text form of its {@link GenerationKey}. */
  private static String text(String key, JsonElement v) {
    if (v.isJsonNull()) {
      throw new IllegalArgumentException(KEY + ": generation setting " + key + " is null");
    }
    if (v.isJsonPrimitive()) {
      return v.getAsString();
    }
    if (v.isJsonArray() && key.equals(GenerationKey.EOS_TOKEN_ID.key())) {
      List<String> ids = new ArrayList<>();
      for (JsonElement id : (JsonArray) v) {
        ids.add(id.isJsonPrimitive() ? id.getAsString() : id.toString());
      }
      return String.join(",", ids);
    }
    return v.toString(); // stop: a JSON array of strings is its own text form
  }
}
