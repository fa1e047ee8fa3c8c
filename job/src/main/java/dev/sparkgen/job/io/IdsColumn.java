package dev.sparkgen.job.io;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.FractionalType;

/**
 * Turns a prompt_ids column that text formats did not read as an integer array into {@code
 * array<int>}, so that one cell that is not token ids costs its row alone instead of failing the job:
 * every entry that is not an integer in the int range becomes null, which the row's preparation
 * reports as {@code prompt_ids[i] is null}; a null or blank cell stays null (no ids).
 *
 * <p>CSV cells are text: ids separated by spaces or commas. JSON Lines: Spark infers one type for the
 * column from all rows, so a single odd row changes it: {@code [3, 1.5]} makes it {@code
 * array<double>}, {@code ["3", 9]} {@code array<string>}, and a string or number beside arrays makes
 * the whole column {@code string} (arrays kept as their JSON text, {@code "[3,9]"}). Each of these is
 * read back here per row; a string holds ids as a CSV cell does. Other types (structs, booleans,
 * nested arrays) are left for the job's column check to refuse.
 */
final class IdsColumn {
  private IdsColumn() {}

  /** CSV: the column is text. */
  static Dataset<Row> fromText(Dataset<Row> rows, String column) {
    if (!List.of(rows.columns()).contains(column)) {
      return rows;
    }
    return rows.withColumn(column, idsInText(functions.col(column)));
  }

  /** JSON Lines: whatever Spark inferred for the column. */
  static Dataset<Row> fromJson(Dataset<Row> rows, String column) {
    if (!List.of(rows.columns()).contains(column)) {
      return rows;
    }
    DataType type = rows.schema().apply(column).dataType();
    Column c = functions.col(column);
    if (type.equals(DataTypes.StringType)) {
      Column trimmed = functions.trim(c);
      // an array's JSON text, else ids as in a CSV cell; JSON text that does not parse is one null entry
      Column parsed = functions.from_json(trimmed, DataTypes.createArrayType(DataTypes.StringType),
          Map.of("mode", "PERMISSIVE"));
      Column fromArray = functions.when(parsed.isNull(), functions.array(functions.lit(null).cast(DataTypes.IntegerType)))
          .otherwise(functions.transform(parsed, IdsColumn::entry));
      return rows.withColumn(column, functions.when(trimmed.startsWith("["), fromArray).otherwise(idsInText(c)));
    }
    if (type instanceof ArrayType a
        && (a.elementType() instanceof FractionalType || a.elementType().equals(DataTypes.StringType))) {
      return rows.withColumn(column, functions.transform(c, IdsColumn::entry));
    }
    return rows;
  }

  /** Ids separated by spaces or commas; a blank cell is no ids (null). */
  private static Column idsInText(Column cell) {
    Column trimmed = functions.trim(cell);
    return functions.when(trimmed.notEqual(""), functions.transform(
        functions.split(trimmed, "[ ,]+"), x -> x.try_cast(DataTypes.IntegerType)));
  }

  /** One entry as an int id, or null when it is not a whole number in the int range (1.5, "x", 1e12). */
  private static Column entry(Column x) {
    Column d = x.cast(DataTypes.StringType).try_cast(DataTypes.DoubleType);
    Column whole = d.equalTo(functions.floor(d)).and(d.between(Integer.MIN_VALUE, Integer.MAX_VALUE));
    return functions.when(whole, d.cast(DataTypes.IntegerType));
  }
}
