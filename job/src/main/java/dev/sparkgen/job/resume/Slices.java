package dev.sparkgen.job.resume;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import dev.sparkgen.job.io.RowPositions;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Which slice an input row belongs to: {@code pmod(xxhash64(key), slices)}, where the key is the
 * text of the row's id ({@code id_column}) where it has one, else {@code "#"} and its position key
 * ({@link RowPositions}: its file and row in the input). Neither depends on Spark's splits,
 * partitions or attempts, so every run over the same input puts a row in the same slice, and a
 * slice's rows can be generated again, alone, with exactly the values a whole run gives them.
 */
public final class Slices {
  private Slices() {}

  /**
   * The slice column of {@code rows} (long, in [0, slices)); {@code rows} must carry {@link
   * RowPositions#COLUMN} unless every row has an id.
   */
  public static Column of(Dataset<Row> rows, String idColumn, int slices) {
    List<String> names = List.of(rows.columns());
    Column id = names.contains(idColumn) ? col(quoted(idColumn)).cast("string") : null;
    Column position = names.contains(RowPositions.COLUMN)
        ? concat(lit("#"), col(RowPositions.COLUMN).cast("string")) : null;
    if (id == null && position == null) {
      throw new IllegalArgumentException("rows without id column '" + idColumn + "' need " + RowPositions.COLUMN);
    }
    Column key = id == null ? position : position == null ? id : coalesce(id, position);
    return pmod(xxhash64(key), lit((long) slices));
  }

  /** A column name as Spark's parser reads it literally (dots and back-ticks included). */
  static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  /** The name of slice {@code i}, its files' prefix in the output: {@code slice-00003}. */
  public static String folder(int i) {
    return String.format(java.util.Locale.ROOT, "slice-%05d", i);
  }

  /** The slice whose file {@code name} is ({@code slice-00003-part-...}), or -1 for another file. */
  public static int sliceOfFile(String name) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("slice-(\\d{5,9})-.*").matcher(name);
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }
}
