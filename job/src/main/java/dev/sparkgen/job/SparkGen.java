package dev.sparkgen.job;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.io.ResultWriter;
import dev.sparkgen.job.io.Summary;
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
 * To decide when the model's broadcast is freed, or to run several configurations over one model,
 * prepare a {@link ModelShipment} and call {@link #generate(Dataset, ModelShipment, JobConfig)}.
 * To write the results as the command line does (Parquet footer with the model and settings,
 * {@code _summary.json}), call {@link #write(SparkSession, Dataset, JobConfig)}.
 */
public final class SparkGen {
  private SparkGen() {}

  /**
   * Lazily generates for every row of {@code prompts} (see {@link GenerationRun#apply}). The model
   * is shipped on the first call for its model keys and reused by later calls in the same
   * SparkContext; those shipments are freed when the SparkContext stops.
   */
  public static Dataset<Row> generate(SparkSession spark, Dataset<Row> prompts, JobConfig cfg) {
    return generate(prompts, SessionShipments.forConfig(spark, cfg), cfg);
  }

  /**
   * Lazily generates for every row of {@code prompts} with {@code cfg}'s generation settings over
   * {@code shipment}'s model; keep the shipment open until the result has been computed.
   *
   * @throws dev.sparkgen.job.error.ConfigException when {@code cfg} names another model than the shipment's
   */
  public static Dataset<Row> generate(Dataset<Row> prompts, ModelShipment shipment, JobConfig cfg) {
    return shipment.run(cfg).apply(prompts);
  }

  /**
   * Generates for every row of {@code prompts} and writes the results to {@code cfg}'s {@code output}
   * (with its {@code output_format} and {@code mode}) exactly as the command line does: every Parquet
   * file's footer carries the model and the resolved settings, and the folder gets {@code
   * _summary.json}. The model is shipped (or reused) as by {@link #generate(SparkSession, Dataset,
   * JobConfig)}. Returns what {@code _summary.json} holds.
   *
   * @throws ConfigException when {@code output} is not set
   * @throws dev.sparkgen.job.error.SetupException when the output exists under mode=error, or the
   *     prompts lack the configured columns
   * @throws dev.sparkgen.job.error.JobFailedException when the Spark job fails (nothing is left at output)
   */
  public static Summary write(SparkSession spark, Dataset<Row> prompts, JobConfig cfg) {
    return write(prompts, SessionShipments.forConfig(spark, cfg), cfg);
  }

  /** As {@link #write(SparkSession, Dataset, JobConfig)} over {@code shipment}'s model; keep it open until this returns. */
  public static Summary write(Dataset<Row> prompts, ModelShipment shipment, JobConfig cfg) {
    long t0 = System.nanoTime();
    if (cfg.output().isEmpty()) {
      throw new ConfigException("output is not set: SparkGen.write needs output=PATH in the JobConfig");
    }
    ResultWriter.checkOutput(shipment.spark(), cfg);
    try (GenerationRun run = shipment.run(cfg)) {
      return BatchJob.generateAndWrite(shipment.spark(), cfg, run, prompts, 0, t0);
    }
  }

  /**
   * Registers the SQL function {@code name} in {@code spark}'s session: {@code name(prompt)} or
   * {@code name(prompt, params)} returns a struct of {@code generated_text}, {@code
   * generated_token_ids}, {@code finish_reason}, {@code cumulative_logprob} and {@code error} (null
   * unless the row failed), generated with {@code cfg}'s settings ({@code params}: that row's own
   * generation settings, a {@code map<string,string>} or a JSON object string, as
   * generation_params_column). Calls in a {@code SELECT} list run batched per partition, the model
   * built once per executor JVM ({@link GenerateTextFunction} says how and where it cannot be called).
   *
   * <pre>{@code
   * SparkGen.register(spark, "generate_text", cfg);
   * spark.sql("SELECT id, generate_text(prompt, map('temperature', '0.7')) AS g FROM prompts");
   * }</pre>
   *
   * @throws ConfigException for a bad name, a Spark Connect session, num_return_sequences other than 1,
   *     or bad settings (key and value named)
   */
  public static void register(SparkSession spark, String name, JobConfig cfg) {
    GenerateTextFunction.register(spark, name, cfg);
  }
}
