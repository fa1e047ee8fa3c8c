package dev.sparkgen.job.io;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.GsonBuilder;
import com.google.gson.annotations.SerializedName;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a dry run (key {@code dry_run=N}) measured on a sample of the input, and what it projects
 * for the whole input. Rates are per task slot: tokens (or prompts) over the seconds the sample's
 * tasks spent generating, summed over tasks (each task runs on one slot), so they do not depend on
 * how many slots ran the sample. The projections assume the whole input runs at that rate on
 * every slot, plus this dry run's fixed cost (reading, shipping and loading the model, job
 * start-ups: its wall time less its generation time).
 *
 * @param inputRows rows of the whole input (blank prompts skipped as in a real run)
 * @param sampledRows input rows generated for (at most N, sampled across the input)
 * @param outputRows rows that generation returned (sampled rows x num_return_sequences)
 * @param errors output rows with {@code error} set
 * @param taskSlots task slots of this run: Spark's default parallelism / spark.task.cpus
 * @param sampleTasks tasks the sample ran as
 * @param taskSeconds generation seconds summed over those tasks (task-slot seconds)
 * @param promptTokens prompt tokens of the sampled rows
 * @param generatedTokens tokens generated for them
 * @param tokensPerSlotSecond generatedTokens / taskSeconds
 * @param rowsPerSlotSecond sampledRows / taskSeconds
 * @param meanPromptTokens promptTokens / sampledRows
 * @param meanOutputTokens generatedTokens / outputRows (per returned sequence)
 * @param fixedSeconds this dry run's wall time less its generation time
 * @param projectedWallSeconds fixedSeconds + inputRows / (rowsPerSlotSecond x taskSlots)
 * @param projectedWallSecondsPer100Slots fixedSeconds + inputRows / (rowsPerSlotSecond x 100)
 * @param wallSeconds this dry run, on the driver
 */
public record DryRunReport(long inputRows, long sampledRows, long outputRows, long errors, int taskSlots,
    int sampleTasks, double taskSeconds, long promptTokens, long generatedTokens, double tokensPerSlotSecond,
    double rowsPerSlotSecond, double meanPromptTokens, double meanOutputTokens, double fixedSeconds,
    double projectedWallSeconds,
    @SerializedName("projected_wall_seconds_per_100_slots") double projectedWallSecondsPer100Slots, double wallSeconds) {

  /**
   * The report of a dry run, from its sample's counts ({@code sample}: rows, tokens, errors) and
   * times ({@code generationSeconds}: first task's start to last task's end).
   */
  public static DryRunReport of(long inputRows, Summary sample, double generationSeconds, int taskSlots,
      int sampleTasks, double taskSeconds, double wallSeconds) {
    double slotSeconds = Math.max(taskSeconds, 1e-3);
    double rowsPerSlotSecond = sample.rowsIn() / slotSeconds;
    double fixed = Math.max(0, wallSeconds - generationSeconds);
    double perRow = rowsPerSlotSecond > 0 ? 1 / rowsPerSlotSecond : Double.NaN;
    return new DryRunReport(inputRows, sample.rowsIn(), sample.rowsOut(), sample.errors(), taskSlots, sampleTasks,
        taskSeconds, sample.promptTokens(), sample.generatedTokens(), sample.generatedTokens() / slotSeconds,
        rowsPerSlotSecond, sample.promptTokens() / (double) Math.max(1, sample.rowsIn()),
        sample.generatedTokens() / (double) Math.max(1, sample.rowsOut()), fixed,
        fixed + inputRows * perRow / taskSlots, fixed + inputRows * perRow / 100, wallSeconds);
  }

  /** The report for the console. */
  public String describe() {
    return String.format(Locale.ROOT, "sparkgen: dry run: generated %d of %d input rows (%d output rows, %d with"
        + " error) in %d task%s, %.2f task-slot seconds of generation%n"
        + "  per task slot: %.1f generated tokens/s, %.3f rows/s%n"
        + "  mean prompt %.1f tokens, mean output %.1f tokens per sequence%n"
        + "  projected wall time of the whole input: %s on the %d task slots of this run, %s on 100 task slots"
        + " (each including %.1f s of start-up measured here)%n"
        + "  nothing was written to the output",
        sampledRows, inputRows, outputRows, errors, sampleTasks, sampleTasks == 1 ? "" : "s", taskSeconds, tokensPerSlotSecond, rowsPerSlotSecond,
        meanPromptTokens, meanOutputTokens, dur(projectedWallSeconds), taskSlots, dur(projectedWallSecondsPer100Slots),
        fixedSeconds);
  }

  private static String dur(double s) {
    if (Double.isNaN(s)) {
      return "unknown";
    }
    long t = Math.round(s);
    return t < 60 ? t + " s" : t < 3600 ? String.format(Locale.ROOT, "%d min %d s", t / 60, t % 60)
        : String.format(Locale.ROOT, "%d h %d min", t / 3600, (t % 3600) / 60);
  }

  /** The report as pretty JSON (snake_case keys). */
  public String toJson() {
    return new GsonBuilder().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
        .setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(this) + "\n";
  }

  /** Where the JSON goes for an output path: beside it, {@code <output>.dry_run.json} (the output itself is not touched). */
  public static String file(String output) {
    return output.replaceAll("/+$", "") + ".dry_run.json";
  }

  /** Writes {@link #toJson} to {@code file} (any Hadoop file system). */
  public void write(Configuration hadoop, String file) {
    Path p = new Path(file);
    try {
      FileSystem fs = p.getFileSystem(hadoop);
      try (OutputStream out = fs.create(p, true)) {
        out.write(toJson().getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
    }
  }
}
