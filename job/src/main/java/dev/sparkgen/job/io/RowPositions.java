package dev.sparkgen.job.io;

import dev.sparkgen.job.exec.RowKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Gives every input row a sampling key of its own that does not depend on how Spark splits or
 * spreads the input: the key of the text {@code "<file>#<row>"}, where {@code <file>} is the row's
 * file relative to the input path ("" when the input is that one file) and {@code <row>} its 0-based
 * index among the rows read from that file. Identical prompts on different lines therefore get
 * different samples, and the same file gives the same samples in every run, partitioning and retry.
 *
 * <p>How the index is found, from Spark's hidden {@code _metadata} column of file sources:
 * <ul>
 *   <li>Parquet: {@code _metadata.row_index}, the row's index in its file;
 *   <li>JSON, CSV, text: a file may be split into blocks read by different tasks, and where a split
 *       falls depends on the cluster's parallelism. One pass counts the rows of each
 *       ({@code file_path}, {@code file_block_start}) block; a row's index is then the rows of the
 *       earlier blocks of its file plus its place in its block (a block is read whole, in order, by
 *       one task, so that place is the same in every attempt);
 *   <li>a Dataset that is not a plain file scan (the Java API): its position in the Dataset
 *       ({@code zipWithIndex} before any shuffle), under the text {@code "#<index>"}; stable as long
 *       as the Dataset's own partitioning is.
 * </ul>
 * The key goes into an extra last column, {@link #COLUMN}, that the job drops from its output.
 */
public final class RowPositions {
  /** The appended column: the row's 64-bit key ({@link RowKey#of(String)} of its position text). */
  public static final String COLUMN = "_sparkgen_row_position";

  private static final String FILE = "_sparkgen_file";
  private static final String START = "_sparkgen_block_start";
  private static final String INDEX = "_sparkgen_row_index";

  private RowPositions() {}

  /** {@code rows} with {@link #COLUMN} appended; {@code input} is the path they were read from (may be empty). */
  public static Dataset<Row> attach(SparkSession spark, Dataset<Row> rows, String input) {
    StructType schema = rows.schema().add(COLUMN, DataTypes.LongType, false);
    int width = rows.schema().size();
    Dataset<Row> parquet = metadata(rows, "row_index");
    if (parquet != null) {
      String root = root(spark, input);
      JavaRDD<Row> keyed = parquet.toJavaRDD().map(r -> withKey(r, width, text(root, r.getString(width), r.getLong(width + 1))));
      return spark.createDataFrame(keyed, schema);
    }
    Dataset<Row> blocks = metadata(rows, "file_block_start");
    if (blocks != null) {
      String root = root(spark, input);
      Map<String, Long> offsets = blockOffsets(blocks, width);
      JavaRDD<Row> keyed = blocks.toJavaRDD().mapPartitions(it -> new BlockCounter(it, width, root, offsets));
      return spark.createDataFrame(keyed, schema);
    }
    JavaRDD<Row> keyed = rows.toJavaRDD().zipWithIndex().map(t -> withKey(t._1(), width, "#" + t._2()));
    return spark.createDataFrame(keyed, schema);
  }

  /** The rows with _metadata.file_path and _metadata.{@code field} appended, or null when they are not a file scan. */
  private static Dataset<Row> metadata(Dataset<Row> rows, String field) {
    try {
      return rows.select(functions.col("*"), functions.col("_metadata.file_path").as(FILE),
          functions.col("_metadata." + field).as(field.equals("row_index") ? INDEX : START));
    } catch (Exception e) { // AnalysisException, thrown undeclared by Scala: not a file source, or no such field
      if (e instanceof AnalysisException) {
        return null;
      }
      throw e;
    }
  }

  /** For each block (file + "@" + start), the rows of the earlier blocks of its file. */
  private static Map<String, Long> blockOffsets(Dataset<Row> blocks, int width) {
    Map<String, TreeMap<Long, Long>> byFile = new HashMap<>();
    for (Row r : blocks.groupBy(FILE, START).count().collectAsList()) {
      byFile.computeIfAbsent(r.getString(0), f -> new TreeMap<>()).put(r.getLong(1), r.getLong(2));
    }
    Map<String, Long> offsets = new HashMap<>();
    byFile.forEach((file, starts) -> {
      long before = 0;
      for (Map.Entry<Long, Long> e : starts.entrySet()) {
        offsets.put(file + "@" + e.getKey(), before);
        before += e.getValue();
      }
    });
    return offsets;
  }

  /** The input path as a URI path, to cut from file paths; "" when it cannot be qualified. */
  private static String root(SparkSession spark, String input) {
    if (input == null || input.isEmpty()) {
      return "";
    }
    try {
      Path p = new Path(input);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      return fs.makeQualified(p).toUri().getPath().replaceAll("/+$", "");
    } catch (IOException | IllegalArgumentException e) {
      return "";
    }
  }

  /** {@code "<file relative to root>#<index>"}. */
  static String text(String root, String filePath, long index) {
    String path;
    try {
      path = new URI(filePath).getPath();
    } catch (Exception e) {
      path = filePath;
    }
    String relative;
    if (!root.isEmpty() && path.equals(root)) {
      relative = "";
    } else if (!root.isEmpty() && path.startsWith(root + "/")) {
      relative = path.substring(root.length() + 1);
    } else {
      relative = path;
    }
    return relative + "#" + index;
  }

  private static Row withKey(Row r, int width, String position) {
    Object[] values = new Object[width + 1];
    for (int i = 0; i < width; i++) {
      values[i] = r.get(i);
    }
    values[width] = RowKey.of(position);
    return RowFactory.create(values);
  }

  /** Numbers a partition's rows within their blocks (a block's rows arrive together and in order). */
  private static final class BlockCounter implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final int width;
    private final String root;
    private final Map<String, Long> offsets;
    private String block;
    private long next;

    BlockCounter(Iterator<Row> rows, int width, String root, Map<String, Long> offsets) {
      this.rows = rows;
      this.width = width;
      this.root = root;
      this.offsets = offsets;
    }

    @Override
    public boolean hasNext() {
      return rows.hasNext();
    }

    @Override
    public Row next() {
      Row r = rows.next();
      String file = r.getString(width);
      String b = file + "@" + r.getLong(width + 1);
      if (!b.equals(block)) {
        Long offset = offsets.get(b);
        if (offset == null) { // the input changed between the counting pass and this one
          throw new UncheckedIOException(new IOException("input file " + file + " changed while it was read"));
        }
        block = b;
        next = offset;
      }
      return withKey(r, width, text(root, file, next++));
    }
  }
}
