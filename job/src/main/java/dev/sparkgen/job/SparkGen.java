package dev.sparkgen.job;

import dev.sparkgen.job.config.JobConfig;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The Java API for other Spark programs: prompts in, results out, with the command line's settings.
 *
 * <pre>{@code
 * JobConfig cfg = JobConfig.of(Map.of("model", "/models/gpt2", "max_new_tokens", "32"));
 * Dataset<Row> out = SparkGen.generate(spark, prompts, cfg);
 * }</pre>
 *
 * Use {@link GenerationRun} directly to reuse one broadcast for several Datasets or to read the
 * model-load counts afterwards.
 */
public final class SparkGen {
  private SparkGen() {}

  /** Lazily generates for every row of {@code prompts} (see {@link GenerationRun#apply}). */
  public static Dataset<Row> generate(SparkSession spark, Dataset<Row> prompts, JobConfig cfg) {
    return GenerationRun.prepare(spark, cfg).apply(prompts);
  }
}
