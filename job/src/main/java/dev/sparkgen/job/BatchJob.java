package dev.sparkgen.job;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.JobFailedException;
import dev.sparkgen.job.io.PromptReader;
import dev.sparkgen.job.io.ResultWriter;
import dev.sparkgen.job.io.Summary;
import dev.sparkgen.job.progress.ProgressReporter;
import java.io.PrintStream;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.TransparentHugePages;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The whole batch job: read the prompts, generate, write the results and {@code _summary.json}. */
public final class BatchJob {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BatchJob.class);
  private BatchJob() {}

  /**
   * The session for the command line: the configured master, else spark-submit's, else local[*].
   * A local master ({@code local}, {@code local[..]}, {@code local-cluster[..]}: one machine) keeps
   * the driver's RPC and block manager on 127.0.0.1 and starts no web UI unless {@code spark_ui=true}
   * (Spark binds a UI to {@code SPARK_LOCAL_IP}, else to every interface). Settings given to Spark
   * directly (spark-submit {@code --conf}) win.
   */
  public static SparkSession session(JobConfig cfg) {
    return SparkSession.builder().config(sparkConf(cfg)).getOrCreate();
  }

  /** The Spark settings {@link #session} starts with (over spark-submit's, which win where set). */
  public static SparkConf sparkConf(JobConfig cfg) {
    SparkConf conf = new SparkConf().setAppName("sparkgen");
    if (!cfg.master().isEmpty()) {
      conf.setMaster(cfg.master());
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    boolean local = isLocal(conf.get("spark.master"));
    if (local) {
      // One machine: keep the driver and its block manager on loopback, off the network.
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    }
    if (cfg.sparkUi() != null) {
      conf.set("spark.ui.enabled", cfg.sparkUi().toString());
    } else if (local) {
      conf.setIfMissing("spark.ui.enabled", "false");
    }
    if (local && conf.getBoolean("spark.ui.enabled", true) && System.getenv("SPARK_LOCAL_IP") == null) {
      LOG.warn("spark_ui=true: Spark's UI listens on every network interface; export SPARK_LOCAL_IP=127.0.0.1 to"
          + " keep it on this machine");
    }
    // Executors that Spark launches need DJL's offline properties and a passive OpenMP wait policy.
    String opts = conf.get("spark.executor.extraJavaOptions", "");
    if (!opts.contains("ai.djl.offline")) {
      conf.set("spark.executor.extraJavaOptions", (opts + " " + DjlEnvironment.javaOptions()).trim());
    }
    conf.setIfMissing("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
    // libtorch reads it at its first allocation, before anything in the executor could set it (TransparentHugePages).
    conf.setIfMissing("spark.executorEnv." + TransparentHugePages.VARIABLE, "1");
    if (cfg.progressInterval() > 0) {
      // Heartbeats carry running tasks' progress counts: one per progress line, within limits. The interval is
      // also the heartbeat's reply timeout, and 60 failed heartbeats stop an executor: not below 2 s.
      long ms = Math.max(2_000, Math.min(10_000, Math.round(cfg.progressInterval() * 1000)));
      conf.setIfMissing("spark.executor.heartbeatInterval", ms + "ms");
    }
    return conf;
  }

  /** Whether {@code master} runs everything on this machine: local, local[..], local-cluster[..]. */
  public static boolean isLocal(String master) {
    return master.matches("local(-cluster)?(\\[.*])?");
  }

  /** Runs the job with a model already resolved on the driver; returns what it did (progress lines to stdout). */
  public static Summary run(SparkSession spark, JobConfig cfg, ResolvedModel model) {
    return run(spark, cfg, model, System.out);
  }

  /**
   * Runs the job with a model already resolved on the driver, printing a progress line to {@code
   * progressOut} every progress_interval seconds; returns what it did. mode=resume writes in slices
   * ({@link SlicedJob}).
   */
  public static Summary run(SparkSession spark, JobConfig cfg, ResolvedModel model, PrintStream progressOut) {
    if (cfg.mode() == JobConfig.WriteMode.RESUME) {
      return SlicedJob.run(spark, cfg, model, progressOut);
    }
    long t0 = System.nanoTime();
    ResultWriter.checkOutput(spark, cfg);
    spark.sparkContext().setJobDescription("sparkgen: read prompts from " + cfg.input());
    // A missing input fails before the weights ship; sampling keys rows without an id by their place in the input.
    PromptReader.Prompts prompts = PromptReader.load(spark, cfg,
        model.generation().doSample() || !cfg.generationParamsColumn().isEmpty()); // a row's own settings may sample
    try (GenerationRun run = GenerationRun.prepare(spark, cfg, model)) {
      return generateAndWrite(spark, cfg, run, prompts.rows(), prompts.skippedBlank(), t0, progressOut);
    }
  }

  /**
   * Generates with {@code run} for {@code prompts}, writes the results to {@code cfg}'s output (Parquet
   * with the footer of {@link GenerationRun#footerMetadata}, or JSON Lines) and {@code _summary.json};
   * the command line and {@link SparkGen#write} both end here, so their outputs agree in form.
   *
   * @param skippedBlank blank prompts dropped before {@code prompts} (for the summary)
   * @param t0 {@link System#nanoTime} at the run's start (the summary's wall time counts from it)
   * @throws JobFailedException when the Spark job fails (what is left at the output is removed)
   */
  static Summary generateAndWrite(SparkSession spark, JobConfig cfg, GenerationRun run, Dataset<Row> prompts,
      long skippedBlank, long t0) {
    return generateAndWrite(spark, cfg, run, prompts, skippedBlank, t0, null);
  }

  /** As {@link #generateAndWrite(SparkSession, JobConfig, GenerationRun, Dataset, long, long)}, printing progress lines to {@code progressOut} (null: none). */
  static Summary generateAndWrite(SparkSession spark, JobConfig cfg, GenerationRun run, Dataset<Row> prompts,
      long skippedBlank, long t0, PrintStream progressOut) {
    Dataset<Row> results = run.apply(prompts);
    // Progress lines need the total: one more pass over the input (not when they are off).
    boolean lines = progressOut != null && cfg.progressInterval() > 0;
    spark.sparkContext().setJobDescription("sparkgen: count prompts");
    long total = lines ? prompts.count() : 0;
    spark.sparkContext().setJobDescription("sparkgen: generate " + (total > 0 ? total + " prompts " : "") + "with "
        + run.identity().family() + " " + run.identity().sha256().substring(0, 12) + " and write "
        + cfg.outputFormat().name().toLowerCase() + " to " + cfg.output());
    try (ProgressReporter progress = new ProgressReporter(spark.sparkContext(), run.progress(), total, 0,
        lines ? cfg.progressInterval() : 0, progressOut == null ? System.out : progressOut)) {
      ResultWriter.write(results, cfg, run.footerMetadata());
      progress.finish();
    } catch (Exception e) { // SparkException is a checked exception that Scala throws undeclared
      // Spark's commit protocol publishes nothing from a failed job; this also removes the folder it made.
      boolean clean = ResultWriter.removeFailedOutput(spark, cfg);
      throw new JobFailedException(e, cfg.output(), clean);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    spark.sparkContext().setJobDescription("sparkgen: summarise " + cfg.output());
    try {
      Summary summary = Summary.of(ResultWriter.read(spark, cfg, results.schema()), skippedBlank, wall,
          run.generationSeconds(), run.modelLoads(), run.identity(), run.generationSettings(), cfg.output());
      summary.write(spark);
      return summary;
    } catch (Exception e) {
      // The rows are written (with _SUCCESS) but the run cannot account for them: a pipeline that looks for
      // _SUCCESS would take them while the job exits 1. A failed job leaves nothing; this output is this run's own
      // (checkOutput refused an existing one unless mode=overwrite, whose write replaced it).
      throw new JobFailedException(e, cfg.output(), ResultWriter.removeOutput(spark, cfg));
    } finally {
      spark.sparkContext().setJobDescription(null);
    }
  }
}
