package dev.sparkgen.job.io;

import com.google.gson.Gson;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.error.SetupException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/** Writes the results as Parquet (with the model and settings in each footer) or JSON Lines. */
public final class ResultWriter {
  private ResultWriter() {}

  /**
   * Refuses an existing output under mode=error, and an output that cannot be created (below a
   * file, on a read-only file system, without permission), so that such a run stops before it
   * generates anything rather than when it writes; call before any Spark job runs. The check
   * creates the output's folder and removes what it created, leaving the file system as it was.
   */
  public static void checkOutput(SparkSession spark, JobConfig cfg) {
    if (cfg.mode() == JobConfig.WriteMode.ERROR && exists(spark, cfg.output())) {
      throw new SetupException("output " + cfg.output() + " already exists"
          + (onlyTemporary(spark, cfg.output())
              ? " and holds only _temporary: the unfinished write of a run that was killed (or is still running)"
              : "")
          + "; choose another output or set mode=overwrite");
    }
    if (!exists(spark, cfg.output())) {
      checkCreatable(spark, cfg.output());
    }
  }

  private static void checkCreatable(SparkSession spark, String output) {
    Path p = new Path(output);
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      Path top = fs.makeQualified(p); // the highest folder that mkdirs creates: removed after
      while (top.getParent() != null && !fs.exists(top.getParent())) {
        top = top.getParent();
      }
      boolean made;
      try {
        made = fs.mkdirs(p);
      } catch (IOException e) {
        throw new SetupException("output " + output + ": cannot create it: " + e.getMessage(), e);
      }
      if (!made) {
        throw new SetupException("output " + output + ": cannot create it (no permission, or a read-only file system"
            + " below " + top.getParent() + ")");
      }
      fs.delete(top, true);
    } catch (IOException e) {
      throw new SetupException("output " + output + ": cannot check it: " + e.getMessage(), e);
    }
  }

  /** Writes {@code results}; {@code footer} goes into every Parquet file's key-value metadata. */
  public static void write(Dataset<Row> results, JobConfig cfg, Map<String, String> footer) {
    writeTo(results, cfg, footer, cfg.output(),
        cfg.mode() == JobConfig.WriteMode.OVERWRITE ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
  }

  /** As {@link #write}, to {@code path} with {@code mode} (a slice of a mode=resume output). */
  public static void writeTo(Dataset<Row> results, JobConfig cfg, Map<String, String> footer, String path,
      SaveMode mode) {
    DataFrameWriter<Row> w = results.write().mode(mode);
    switch (cfg.outputFormat()) {
      case PARQUET -> w.format(FooterMetadataFormat.class.getName())
          .option(FooterMetadataWriteSupport.OPTION, new Gson().toJson(footer))
          .save(path);
      case JSON -> w.option("ignoreNullFields", "false").json(path); // keep every column in every line
    }
  }

  /** Reads back what {@link #write} wrote, with the schema it was written with. */
  public static Dataset<Row> read(SparkSession spark, JobConfig cfg, StructType schema) {
    return switch (cfg.outputFormat()) {
      case PARQUET -> spark.read().parquet(cfg.output());
      case JSON -> spark.read().schema(schema).json(cfg.output());
    };
  }

  /**
   * After a failed write: removes what is left at the output (an empty folder, or _temporary) so a
   * failed job leaves nothing there. A folder holding {@code _SUCCESS} is a complete earlier output
   * that the failed write never replaced, and is kept. Returns true when the output is absent after.
   */
  public static boolean removeFailedOutput(SparkSession spark, JobConfig cfg) {
    try {
      Path p = new Path(cfg.output());
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        return true;
      }
      if (fs.exists(new Path(p, "_SUCCESS"))) {
        return false;
      }
      return fs.delete(p, true);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Removes this run's output, complete or not (a failure after the write, e.g. in the summary).
   *
   * @return whether nothing is left at the output
   */
  public static boolean removeOutput(SparkSession spark, JobConfig cfg) {
    try {
      Path p = new Path(cfg.output());
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      return !fs.exists(p) || fs.delete(p, true);
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether {@code output} is a folder holding nothing but Spark's {@code _temporary} (a killed write). */
  private static boolean onlyTemporary(SparkSession spark, String output) {
    try {
      Path p = new Path(output);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      org.apache.hadoop.fs.FileStatus[] children = fs.listStatus(p);
      return children.length > 0
          && java.util.Arrays.stream(children).allMatch(c -> c.getPath().getName().equals("_temporary"));
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean exists(SparkSession spark, String output) {
    try {
      Path p = new Path(output);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      return fs.exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
