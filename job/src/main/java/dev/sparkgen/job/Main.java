package dev.sparkgen.job;

import dev.sparkgen.job.config.CommandLine;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.config.Keys;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.BadRowException;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.error.JobFailedException;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.job.io.DryRunReport;
import dev.sparkgen.job.io.Summary;
import dev.sparkgen.model.weights.CheckpointException;
import java.io.PrintStream;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line: {@code generate [--conf FILE] [--key=value | --key value ...]} or {@code --help}
 * (the degeneration report, {@code report}, is the sparkgen-report module's {@code DegenerationReport}). Settings, model and tokenizer are checked
 * before Spark starts. Exit codes: 0 done, every row generated; 1 the job failed (nothing left at
 * the output); 2 bad command line or settings; 3 bad model, tokenizer, input or output location;
 * 4 done, but some rows carry {@code error}; 5 stopped at a bad row (on_error=fail).
 */
public final class Main {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int BAD_SETTINGS = 2;
  public static final int BAD_SETUP = 3;
  public static final int ROW_ERRORS = 4;
  public static final int BAD_ROW = 5;
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws java.io.IOException {
    ConsoleLogging.quiet(); // before Spark logs anything
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    JobConfig cfg;
    ResolvedModel model;
    if (args.length > 0 && args[0].equals(CommandLine.REPORT)) {
      err.println("sparkgen: 'report' is the sparkgen-report module's command: run job/bin/sparkgen report, or java"
          + " dev.sparkgen.report.DegenerationReport on that module's class path");
      return BAD_SETTINGS;
    }
    try {
      CommandLine cl = CommandLine.parse(args);
      if (cl.help()) {
        out.print(Keys.help(cl.set()));
        return OK;
      }
      cfg = cl.config().requireInputOutput();
      model = ResolvedModel.resolve(cfg);
      if (model.tokenizerMismatch() != null) {
        err.println("sparkgen: warning: " + model.tokenizerMismatch());
      }
    } catch (ConfigException e) {
      err.println("sparkgen: " + e.getMessage());
      return BAD_SETTINGS;
    } catch (SetupException | CheckpointException e) {
      err.println("sparkgen: " + e.getMessage());
      return BAD_SETUP;
    }
    SparkSession spark = BatchJob.session(cfg);
    try {
      return execute(spark, cfg, model, out, err);
    } finally {
      model.close();
      spark.stop();
    }
  }

  /** Runs the job on {@code spark} (left open) with a resolved model; prints the summary or why it failed; returns the exit code. */
  static int execute(SparkSession spark, JobConfig cfg, ResolvedModel model, PrintStream out, PrintStream err) {
    try {
      if (cfg.dryRun() > 0) { // a plan: nothing written to the output
        DryRunReport report = DryRun.run(spark, cfg, model);
        out.println(report.describe());
        if (!cfg.output().isEmpty()) {
          out.println("sparkgen: dry run report in " + DryRunReport.file(cfg.output()));
        }
        return OK;
      }
      Summary summary = BatchJob.run(spark, cfg, model, out); // progress lines, then the summary
      out.println(summary.describe()); // the whole summary is in _summary.json
      if (summary.errors() > 0) {
        err.println("sparkgen: finished with " + summary.errors() + " failed rows (" + summary.failedPrompts() + " of "
            + summary.rowsIn() + " prompts); their 'error' column says why");
        return ROW_ERRORS;
      }
      return OK;
    } catch (ConfigException e) { // settings that only the input shows wrong (chat_template=none with conversations)
      err.println("sparkgen: " + e.getMessage());
      return BAD_SETTINGS;
    } catch (SetupException | CheckpointException e) {
      err.println("sparkgen: " + e.getMessage());
      return BAD_SETUP;
    } catch (JobFailedException e) {
      LOG.error("the job failed", e);
      BadRowException bad = e.badRow();
      if (bad != null) {
        err.println("sparkgen: stopped at a bad row (on_error=fail): " + bad.getMessage() + "; " + e.outputState());
        return BAD_ROW;
      }
      err.println("sparkgen: the job failed: " + e.getMessage() + "; " + e.outputState());
      return FAILED;
    } catch (Exception e) { // SparkException is a checked exception that Scala throws undeclared
      LOG.error("the job failed", e);
      err.println("sparkgen: the job failed: " + JobFailedException.summary(e));
      return FAILED;
    }
  }
}
