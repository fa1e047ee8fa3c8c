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
 * To decide when the model's broadcast is freed, or to run several configurations over one model,
 * prepare a {@link ModelShipment} and call {@link #generate(Dataset, ModelShipment, JobConfig)}.
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
}
