package dev.sparkgen.job;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.io.DryRunReport;
import dev.sparkgen.job.io.PromptReader;
import dev.sparkgen.job.io.Summary;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Key {@code dry_run=N}: plans a job instead of running it. Reads the input as the job would,
 * samples N rows across it (Spark's {@code sample} with a fixed seed: every part of the input can be
 * picked), generates them with the job's settings on this run's executors, in as many tasks as keep
 * each at about one batch (at most one per task slot), and reports the measured rates and the
 * projected time of the whole input ({@link DryRunReport}). Nothing is written to {@code output}; the
 * report's JSON goes beside it ({@link DryRunReport#file}) when an output is set.
 */
final class DryRun {
  private DryRun() {}

  static DryRunReport run(SparkSession spark, JobConfig cfg, ResolvedModel model) {
    long t0 = System.nanoTime();
    SparkContext sc = spark.sparkContext();
    sc.setJobDescription("sparkgen: dry run: read and count prompts in " + cfg.input());
    PromptReader.Prompts prompts = PromptReader.load(spark, cfg, model.generation().doSample());
    long total = prompts.rows().count();
    long n = Math.min(cfg.dryRun(), total);
    Dataset<Row> sample = prompts.rows();
    if (n < total) {
      // A Bernoulli sample a few standard deviations above n, cut to n: rows from all over the input.
      double fraction = Math.min(1.0, (n + 4 * Math.sqrt(n) + 10) / total);
      sample = sample.sample(false, fraction, 0x5eed).limit((int) n);
    }
    int taskCpus = Integer.parseInt(sc.getConf().get("spark.task.cpus", "1"));
    int slots = Math.max(1, sc.defaultParallelism() / Math.max(1, taskCpus));
    int perSequence = Math.max(model.generation().numReturnSequences(), model.generation().numBeams());
    int promptsPerBatch = Math.max(1, cfg.batching().cap() / perSequence); // batch_size=auto: its cap
    int tasks = (int) Math.max(1, Math.min(slots, (n + promptsPerBatch - 1) / promptsPerBatch));
    JobConfig sampled = cfg.with(Map.of("partitions", Integer.toString(tasks)));
    try (GenerationRun run = GenerationRun.prepare(spark, sampled, model)) {
      sc.setJobDescription("sparkgen: dry run: generate " + n + " sampled rows in " + tasks + " tasks");
      Dataset<Row> results = run.apply(sample);
      Summary counted = Summary.of(results, 0, 0, 0, Map.of(), run.identity(), Map.of(), ""); // generates
      double wall = (System.nanoTime() - t0) / 1e9;
      DryRunReport report = DryRunReport.of(total, counted, run.generationSeconds(), slots, tasks, run.taskSeconds(),
          wall);
      if (!cfg.output().isEmpty()) {
        report.write(sc.hadoopConfiguration(), DryRunReport.file(cfg.output()));
      }
      sc.setJobDescription(null);
      return report;
    }
  }
}
