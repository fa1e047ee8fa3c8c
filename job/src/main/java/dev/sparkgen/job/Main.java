package dev.sparkgen.job;

import dev.sparkgen.job.config.CommandLine;
import dev.sparkgen.job.config.ConfigException;
import dev.sparkgen.job.config.Keys;
import dev.sparkgen.job.io.Summary;
import dev.sparkgen.model.CheckpointException;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;

/**
 * The command line: {@code generate [--conf FILE] [--key=value ...]}. Settings, model and tokenizer
 * are checked before Spark starts. Exit codes: 0 done, 1 the job failed, 2 bad command line or
 * settings, 3 bad model, tokenizer, input or output location.
 */
public final class Main {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int BAD_SETTINGS = 2;
  public static final int BAD_SETUP = 3;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    JobConfig cfg;
    ResolvedModel model;
    try {
      CommandLine cl = CommandLine.parse(args);
      if (cl.help()) {
        out.print(Keys.help());
        return OK;
      }
      cfg = cl.config().requireInputOutput();
      model = ResolvedModel.resolve(cfg);
    } catch (ConfigException e) {
      err.println("sparkgen: " + e.getMessage());
      return BAD_SETTINGS;
    } catch (SetupException | CheckpointException e) {
      err.println("sparkgen: " + e.getMessage());
      return BAD_SETUP;
    }
    SparkSession spark = BatchJob.session(cfg);
    try {
      Summary summary = BatchJob.run(spark, cfg, model);
      out.println(summary.toJson());
      out.println(summary.describe());
      return OK;
    } catch (SetupException | CheckpointException e) {
      err.println("sparkgen: " + e.getMessage());
      return BAD_SETUP;
    } catch (RuntimeException e) {
      err.println("sparkgen: the job failed: " + e);
      e.printStackTrace(err);
      return FAILED;
    } finally {
      model.close();
      spark.stop();
    }
  }
}
