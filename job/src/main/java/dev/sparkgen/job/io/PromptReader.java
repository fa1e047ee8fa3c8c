package dev.sparkgen.job.io;

import dev.sparkgen.job.JobConfig;
import dev.sparkgen.job.JobConfig.InputFormat;
import dev.sparkgen.job.SetupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Reads the prompts: Parquet, JSON Lines, CSV (with a header; a string prompt_ids column holds ids
 * separated by spaces or commas) or text (one prompt per line, in the prompt column).
 */
public final class PromptReader {
  private PromptReader() {}

  /** Reads {@code cfg.input()}; a missing local path or unknown format fails naming it. */
  public static Dataset<Row> read(SparkSession spark, JobConfig cfg) {
    String input = cfg.input();
    if (!input.contains("://") && !input.startsWith("file:") && !Files.exists(Path.of(input))) {
      throw new SetupException("input " + input + ": no such file or folder");
    }
    InputFormat format = cfg.inputFormat() != null ? cfg.inputFormat() : infer(input);
    return switch (format) {
      case PARQUET -> spark.read().parquet(input);
      case JSON -> spark.read().json(input);
      case TEXT -> spark.read().text(input).withColumnRenamed("value", cfg.promptColumn());
      case CSV -> idsFromText(spark.read().option("header", "true").csv(input), cfg.promptIdsColumn());
    };
  }

  /** The format an input's extension implies. */
  public static InputFormat infer(String input) {
    String name = input.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
    if (name.endsWith(".parquet") || name.endsWith(".pq")) {
      return InputFormat.PARQUET;
    }
    if (name.endsWith(".json") || name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
      return InputFormat.JSON;
    }
    if (name.endsWith(".csv")) {
      return InputFormat.CSV;
    }
    if (name.endsWith(".txt") || name.endsWith(".text")) {
      return InputFormat.TEXT;
    }
    throw new SetupException("input " + input + ": cannot infer input_format from the name; set input_format to one of"
        + " parquet, json, csv, text");
  }

  private static Dataset<Row> idsFromText(Dataset<Row> csv, String idsColumn) {
    if (!List.of(csv.columns()).contains(idsColumn)) {
      return csv;
    }
    return csv.withColumn(idsColumn, functions.transform(
        functions.split(functions.trim(functions.col(idsColumn)), "[ ,]+"),
        x -> x.cast(DataTypes.IntegerType)));
  }
}
