package dev.sparkgen.job.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.GsonBuilder;
import dev.sparkgen.job.driver.ModelIdentity;
import dev.sparkgen.job.exec.OutputColumns;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What a run did, counted from its results: rows in (rows with sample_index 0: every prompt gets
 * one, failed or not) and out (rows in x num_return_sequences), failed rows and failed prompts (rows
 * with {@code error} set; a failed prompt has one per sample), blank prompts skipped before
 * generation, prompt and generated tokens, times and tokens per second, model loads per executor.
 * Written as {@code _summary.json} inside the output folder.
 *
 * @param skippedBlank input rows dropped for a blank prompt (skip_blank); not in rowsIn
 * @param wallSeconds the whole run on the driver: reading the input, shipping the model, generating,
 *     writing, counting (not the JVM's and Spark's start)
 * @param generationSeconds from the first partition's start of generation (its model already
 *     loaded) to the last partition's end
 * @param generatedTokensPerWallSecond generated tokens / wallSeconds
 * @param generatedTokensPerGenerationSecond generated tokens / generationSeconds: the cluster's decoding rate
 * @param resume mode=resume: what earlier runs had committed and what this run generated (the rates
 *     then count this run's tokens only); null in the other modes
 */
public record Summary(
    long rowsIn,
    long rowsOut,
    long errors,
    long failedPrompts,
    long skippedBlank,
    long promptTokens,
    long generatedTokens,
    double wallSeconds,
    double generationSeconds,
    double generatedTokensPerWallSecond,
    double generatedTokensPerGenerationSecond,
    Map<String, Integer> modelLoadsPerExecutor,
    ModelIdentity model,
    Map<String, Object> generation,
    String output,
    Resume resume) {

  /**
   * A resumed output's counts.
   *
   * @param slices the slices the input is cut into
   * @param slicesBefore slices committed by earlier runs
   * @param rowsBefore input rows in those slices (not generated again by this run)
   * @param rowsThisRun input rows this run's executors finished (their successful tasks)
   * @param generatedTokensThisRun tokens this run generated
   */
  public record Resume(int slices, int slicesBefore, long rowsBefore, long rowsThisRun, long generatedTokensThisRun) {}

  /**
   * This summary with {@code r}: the counts stay those of the whole output; the rates are this run's
   * tokens over this run's times.
   */
  public Summary resumed(Resume r) {
    long tokens = r.generatedTokensThisRun();
    return new Summary(rowsIn, rowsOut, errors, failedPrompts, skippedBlank, promptTokens, generatedTokens,
        wallSeconds, generationSeconds, tokens / Math.max(wallSeconds, 1e-9), tokens / Math.max(generationSeconds, 1e-3),
        modelLoadsPerExecutor, model, generation, output, r);
  }

  /** The file name, inside the output folder (Spark's readers skip names starting with '_'). */
  public static final String FILE = "_summary.json";

  /** Counts {@code results} in one Spark job. */
  public static Summary of(Dataset<Row> results, long skippedBlank, double wallSeconds, double generationSeconds,
      Map<String, Integer> loads, ModelIdentity model, Map<String, Object> generation, String output) {
    Row r = results.agg(
        count(lit(1)),
        count(col(OutputColumns.ERROR)),
        sum(when(col(OutputColumns.SAMPLE_INDEX).equalTo(0), 1).otherwise(0)),
        sum(when(col(OutputColumns.SAMPLE_INDEX).equalTo(0), col(OutputColumns.NUM_PROMPT_TOKENS))),
        sum(col(OutputColumns.NUM_GENERATED_TOKENS)),
        sum(when(col(OutputColumns.SAMPLE_INDEX).equalTo(0).and(col(OutputColumns.ERROR).isNotNull()), 1).otherwise(0)))
        .first();
    // sum() over no rows is null (an input without prompts): every sum counts as 0 then.
    long generated = longOrZero(r, 4);
    return new Summary(longOrZero(r, 2), r.getLong(0), r.getLong(1), longOrZero(r, 5), skippedBlank,
        longOrZero(r, 3), generated, wallSeconds, generationSeconds,
        generated / Math.max(wallSeconds, 1e-9), generated / Math.max(generationSeconds, 1e-3), new TreeMap<>(loads),
        model, generation, output, null);
  }

  private static long longOrZero(Row r, int i) {
    return r.isNullAt(i) ? 0 : r.getLong(i);
  }

  /** The summary as pretty JSON (snake_case keys). */
  public String toJson() {
    return new GsonBuilder()
        .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
        .setPrettyPrinting().serializeNulls().serializeSpecialFloatingPointValues().create().toJson(this);
  }

  /** Writes {@link #FILE} into {@code output} (any Hadoop file system). */
  public void write(SparkSession spark) {
    Path file = new Path(output, FILE);
    try {
      FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (OutputStream out = fs.create(file, true)) {
        out.write((toJson() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** One human-readable paragraph for the console. */
  public String describe() {
    return String.format(java.util.Locale.ROOT, "sparkgen: %d prompts -> %d rows (%d rows of %d prompts failed%s), %d prompt +"
        + " %d generated tokens; generation %.1f s (%.1f tokens/s), whole run %.1f s (%.1f tokens/s); model loads per"
        + " executor %s; output %s (details in %s)",
        rowsIn, rowsOut, errors, failedPrompts, skippedBlank > 0 ? "; " + skippedBlank + " blank prompts skipped" : "",
        promptTokens, generatedTokens, generationSeconds, generatedTokensPerGenerationSecond, wallSeconds,
        generatedTokensPerWallSecond, modelLoadsPerExecutor, output, FILE)
        + (resume == null ? "" : String.format(java.util.Locale.ROOT, "; resumed: %d of %d slices (%d prompts) were"
            + " committed before, this run generated %d prompts", resume.slicesBefore(), resume.slices(),
            resume.rowsBefore(), resume.rowsThisRun()));
  }
}
