package dev.sparkgen.job.io;

import dev.sparkgen.job.config.JobConfig.InputFormat;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.job.exec.PromptPreparer;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Reads the prompts: Parquet, JSON Lines, CSV (with a header; a string prompt_ids column holds ids
 * separated by spaces or commas) or text (one prompt per line, in the prompt column). A prompt_ids
 * column that CSV or JSON Lines does not give as integer arrays is read back per row ({@link IdsColumn}).
 *
 * <p>The format is {@code input_format}, else the input's extension, else Parquet for a folder or
 * a name without an extension (Spark's default source). CSV is read as RFC 4180 by default
 * (header, {@code multiLine}, quote and escape {@code "}: quoted fields may hold newlines and
 * {@code ""}), as pandas and spreadsheets write it; every {@code input_option.<name>} is passed to
 * Spark's reader and wins over these defaults. Blank prompts are dropped and counted when
 * {@link JobConfig#skipsBlank} says so (text input by default).
 */
public final class PromptReader {
  /** sparkgen's CSV reader options, before the input_option ones. */
  public static final Map<String, String> CSV_OPTIONS = csvOptions();

  private PromptReader() {}

  /**
   * What was read: the rows to generate for, and how many blank prompts were dropped.
   *
   * @param rows the prompts (with {@link RowPositions#COLUMN} when positions were asked for)
   * @param skippedBlank input rows dropped for a blank prompt (skip_blank)
   */
  public record Prompts(Dataset<Row> rows, long skippedBlank) {}

  private static Map<String, String> csvOptions() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("header", "true");
    m.put("multiLine", "true"); // a quoted field may span lines
    m.put("quote", "\"");
    m.put("escape", "\""); // "" inside a quoted field is one " (Spark's default escape is a backslash)
    return java.util.Collections.unmodifiableMap(m);
  }

  /** Reads {@code cfg.input()} without position keys, blank prompts dropped per skip_blank. */
  public static Dataset<Row> read(SparkSession spark, JobConfig cfg) {
    return load(spark, cfg, false).rows();
  }

  /**
   * Reads {@code cfg.input()}; with {@code positions}, each row gets its position key
   * ({@link RowPositions}) before blank prompts are dropped, so a row's key is that of its line.
   * A missing local path, an unknown format or unreadable options fail naming the input.
   */
  public static Prompts load(SparkSession spark, JobConfig cfg, boolean positions) {
    String input = cfg.input();
    if (!input.contains("://") && !input.startsWith("file:") && !Files.exists(java.nio.file.Path.of(input))) {
      throw new SetupException("input " + input + ": no such file or folder");
    }
    InputFormat format = cfg.inputFormat();
    if (format == null) {
      boolean folder = isDirectory(spark, input);
      format = infer(input, folder);
      if (format == InputFormat.PARQUET && folder) {
        format = folderFormat(spark, input);
      }
    }
    DataFrameReader reader = spark.read();
    if (format == InputFormat.CSV) {
      reader = reader.options(CSV_OPTIONS);
    }
    reader = reader.options(cfg.inputOptions());
    Dataset<Row> rows;
    try {
      rows = switch (format) {
        case PARQUET -> reader.parquet(input);
        case JSON -> reader.json(input);
        case TEXT -> reader.text(input);
        case CSV -> reader.csv(input);
      };
      if (format == InputFormat.JSON && List.of(rows.columns()).equals(List.of(PromptPreparer.CORRUPT_RECORD))) {
        // Spark's one column when no line parses as a JSON object
        throw new SetupException("input " + input + ": no line is a JSON object, as JSON Lines needs (one object per"
            + " line, e.g. {\"prompt\": \"...\"}); if it is another format, set input_format");
      }
      if (positions) {
        rows = RowPositions.attach(spark, rows, input);
      }
    } catch (Exception e) { // AnalysisException and friends, thrown undeclared by Scala
      if (e instanceof SetupException s) {
        throw s;
      }
      throw new SetupException("input " + input + ": cannot read it as " + format.name().toLowerCase(Locale.ROOT)
          + ": " + firstLine(e), e);
    }
    if (rows.columns().length == 0) { // Spark infers no schema from an empty JSON or CSV file
      throw new SetupException("input " + input + " is empty: no rows to read as " + format.name().toLowerCase(Locale.ROOT));
    }
    if (format == InputFormat.TEXT) {
      rows = rows.withColumnRenamed("value", cfg.promptColumn());
    } else if (format == InputFormat.CSV) {
      rows = IdsColumn.fromText(rows, cfg.promptIdsColumn());
    } else if (format == InputFormat.JSON) {
      rows = IdsColumn.fromJson(rows, cfg.promptIdsColumn());
    }
    if (!cfg.skipsBlank(format) || !List.of(rows.columns()).contains(cfg.promptColumn())) {
      return new Prompts(rows, 0);
    }
    Column blank = blank(rows, cfg);
    long skipped = rows.filter(blank).count();
    return new Prompts(skipped == 0 ? rows : rows.filter(functions.not(blank)), skipped);
  }

  /** A prompt that is empty or white space, with no token ids or conversation beside it. */
  private static Column blank(Dataset<Row> rows, JobConfig cfg) {
    Column text = functions.col(cfg.promptColumn()).rlike("^\\s*$");
    if (List.of(rows.columns()).contains(cfg.promptIdsColumn())) {
      text = text.and(functions.col(cfg.promptIdsColumn()).isNull());
    }
    if (List.of(rows.columns()).contains(cfg.chat().messagesColumn())) { // a conversation is a prompt too
      text = text.and(functions.col(cfg.chat().messagesColumn()).isNull());
    }
    return functions.coalesce(text, functions.lit(false));
  }

  /**
   * The format an input's name implies: its extension; a folder (or a name without an extension)
   * is Parquet, as Spark's default data source. An unknown extension on a file is refused.
   */
  public static InputFormat infer(String input, boolean directory) {
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
    String last = name.substring(name.lastIndexOf('/') + 1);
    if (directory || !last.contains(".")) {
      return InputFormat.PARQUET;
    }
    throw new SetupException("input " + input + ": cannot infer input_format from the extension '"
        + last.substring(last.lastIndexOf('.')) + "'; set input_format to one of parquet, json, csv, text");
  }

  /** {@link #infer(String, boolean)} for a path that is not known to be a folder. */
  public static InputFormat infer(String input) {
    return infer(input, false);
  }

  /**
   * The format of a folder whose name does not say: the extension its data files share (a folder of
   * {@code .jsonl} files is JSON Lines, as pandas or a shell loop writes it), else Parquet, Spark's
   * default source (its output folders hold {@code part-*.parquet}). Names starting with '_' or '.'
   * ({@code _SUCCESS}, checksums) are not data, as for Spark's readers.
   */
  private static InputFormat folderFormat(SparkSession spark, String input) {
    try {
      Path p = new Path(input);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      java.util.Set<InputFormat> formats = new java.util.HashSet<>();
      for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(p)) {
        String name = f.getPath().getName();
        if (name.startsWith("_") || name.startsWith(".")) {
          continue;
        }
        if (!f.isFile() || !name.contains(".")) {
          return InputFormat.PARQUET;
        }
        try {
          formats.add(infer(name, false));
        } catch (SetupException e) {
          return InputFormat.PARQUET; // an unknown extension: leave it to Spark's default
        }
      }
      return formats.size() == 1 ? formats.iterator().next() : InputFormat.PARQUET;
    } catch (IOException | IllegalArgumentException e) {
      return InputFormat.PARQUET;
    }
  }

  private static boolean isDirectory(SparkSession spark, String input) {
    try {
      Path p = new Path(input);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      return fs.getFileStatus(p).isDirectory();
    } catch (IOException | IllegalArgumentException e) {
      return false; // a glob, or a file system without that path: the name decides
    }
  }

  private static String firstLine(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
