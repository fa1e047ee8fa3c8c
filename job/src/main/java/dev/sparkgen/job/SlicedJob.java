package dev.sparkgen.job;

import dev.sparkgen.job.chat.ChatSetup;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.JobFailedException;
import dev.sparkgen.job.io.PromptReader;
import dev.sparkgen.job.io.ResultWriter;
import dev.sparkgen.job.io.Summary;
import dev.sparkgen.job.progress.ProgressLine;
import dev.sparkgen.job.progress.ProgressReporter;
import dev.sparkgen.job.resume.OutputLock;
import dev.sparkgen.job.resume.ResumeSettings;
import dev.sparkgen.job.resume.SlicedOutput;
import dev.sparkgen.job.resume.Slices;
import java.io.PrintStream;
import java.util.Locale;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The batch job under mode=resume: the input is cut into {@code slices} ({@link Slices}: by each
 * row's id, else its place in the input) and the slices the output's manifest does not name yet
 * are generated one Spark job each, written and committed ({@link SlicedOutput}); then {@code
 * _SUCCESS} and {@code _summary.json}. A killed run leaves its committed slices; the same command
 * run again generates only the others, and as every row's values depend on the row alone (its
 * sampling key, never its partition, batch or attempt) the output read as a whole equals an
 * uninterrupted run's. The output is locked for the run ({@link OutputLock}).
 */
final class SlicedJob {
  private SlicedJob() {}

  /** Runs (or resumes) the job; prints progress lines to {@code progressOut}. */
  static Summary run(SparkSession spark, JobConfig cfg, ResolvedModel model, PrintStream progressOut) {
    SparkContext sc = spark.sparkContext();
    // One run at a time: a second run would clean up this one's slice in progress when it opens the output.
    try (OutputLock lock = OutputLock.acquire(sc.hadoopConfiguration(), cfg.output(), sc.applicationId())) {
      return runLocked(spark, cfg, model, progressOut);
    }
  }

  private static Summary runLocked(SparkSession spark, JobConfig cfg, ResolvedModel model, PrintStream progressOut) {
    long t0 = System.nanoTime();
    SparkContext sc = spark.sparkContext();
    sc.setJobDescription("sparkgen: read prompts from " + cfg.input());
    // Every row needs a key that does not depend on Spark's splits: its id, else its place in the input.
    PromptReader.Prompts prompts = PromptReader.load(spark, cfg, true);
    Dataset<Row> rows = prompts.rows();
    // The template the rows are rendered with, by content: a chat_template_file edited between runs differs.
    String templateKey = ChatSetup.resolve(cfg.chat(), model.folder(), rows.schema()).templateKey();
    SlicedOutput out = SlicedOutput.open(sc.hadoopConfiguration(), cfg.output(), cfg.slices(),
        ResumeSettings.of(cfg, model.identity(), model.tokenizer() == null ? "" : model.tokenizer().sha256(),
            templateKey, model.generation().toValues()), () -> {
              sc.setJobDescription("sparkgen: count prompts in " + cfg.input());
              return rows.count();
            });
    long total = out.manifest().inputRows();
    long rowsBefore = out.manifest().committedRows();
    Column slice = Slices.of(rows, cfg.idColumn(), cfg.slices());
    try (GenerationRun run = GenerationRun.prepare(spark, cfg, model);
        ProgressReporter progress = new ProgressReporter(sc, run.progress(), total, rowsBefore,
            cfg.progressInterval(), progressOut)) {
      Dataset<Row> schemaOnly = run.apply(rows); // never computed: the result schema, for reading JSON back
      for (int i = 0; i < cfg.slices(); i++) {
        if (out.manifest().isCommitted(i)) {
          continue;
        }
        ProgressLine now = progress.line();
        sc.setJobDescription(String.format(Locale.ROOT, "sparkgen: slice %d of %d (%d/%d rows done, %d tokens)"
            + " -> %s", i + 1, cfg.slices(), now.rowsDone(), now.rowsTotal(), now.tokens(), cfg.output()));
        long prompts0 = run.progress().prompts().sum();
        long tokens0 = run.progress().tokens().sum();
        try {
          ResultWriter.writeTo(run.apply(rows.filter(slice.equalTo(i))), cfg, run.footerMetadata(), out.pending(i),
              SaveMode.Overwrite);
        } catch (Exception e) { // SparkException is a checked exception that Scala throws undeclared
          throw new JobFailedException(e, cfg.output(), "the " + out.manifest().committed().size() + " of "
              + cfg.slices() + " slices committed at " + cfg.output() + " are kept; run again with mode=resume to"
              + " generate the rest");
        }
        out.commit(i, run.progress().prompts().sum() - prompts0, run.progress().tokens().sum() - tokens0);
      }
      progress.finish();
      out.finish();
      double wall = (System.nanoTime() - t0) / 1e9;
      sc.setJobDescription("sparkgen: summarise " + cfg.output());
      Summary.Resume resume = new Summary.Resume(cfg.slices(), out.committedBefore(), rowsBefore,
          run.progress().prompts().sum(), run.progress().tokens().sum());
      Summary summary = Summary.of(ResultWriter.read(spark, cfg, schemaOnly.schema()), prompts.skippedBlank(), wall,
          run.generationSeconds(), run.modelLoads(), run.identity(), run.generationSettings(), cfg.output())
          .resumed(resume);
      summary.write(spark);
      sc.setJobDescription(null);
      return summary;
    }
  }
}
