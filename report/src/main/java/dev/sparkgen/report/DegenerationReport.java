package dev.sparkgen.report;

import dev.sparkgen.job.BatchJob;
import dev.sparkgen.job.ModelShipment;
import dev.sparkgen.job.SparkGen;
import dev.sparkgen.job.config.JobConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code sparkgen report}: runs the job under each {@link Strategy} on validation prompts and
 * writes the degeneration measures as {@code report.md}, {@code report.json} and {@code report.png}.
 */
public final class DegenerationReport {
  private DegenerationReport() {}

  /** {@code sparkgen report [--key=value ...]} (job/bin/sparkgen runs this class for {@code report}). */
  public static void main(String[] args) throws IOException {
    dev.sparkgen.job.ConsoleLogging.quiet();
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the report; returns the exit code (0, or 2 for bad arguments; --help prints the keys, 0). */
  public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
    if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h")) {
      out.print(ReportSettings.help());
      return 0;
    }
    ReportSettings s;
    List<String> prompts;
    try {
      s = ReportSettings.parse(args);
      prompts = ValidationPrompts.read(s.data(), s.prompts(), s.promptWords());
    } catch (IllegalArgumentException e) {
      err.println("sparkgen report: " + e.getMessage());
      return 2;
    }
    Map<String, String> base = new LinkedHashMap<>();
    base.put("model", s.model().toString());
    base.put("master", s.master());
    base.put("batch_size", String.valueOf(s.batchSize()));
    base.put("max_new_tokens", String.valueOf(s.maxNewTokens()));
    base.put("seed", String.valueOf(s.seed()));
    base.put("output_logprobs", "true");
    SparkSession spark = BatchJob.session(JobConfig.of(base));
    // One shipment for the six strategies: the model is read, hashed and broadcast once.
    try (ModelShipment shipment = ModelShipment.prepare(spark, JobConfig.of(base))) {
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        rows.add(RowFactory.create((long) i, prompts.get(i)));
      }
      StructType schema = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);
      Dataset<Row> input = spark.createDataFrame(rows, schema);
      List<StrategyMetrics> results = new ArrayList<>();
      List<String> examples = new ArrayList<>();
      for (Strategy strategy : Strategy.STANDARD) {
        Map<String, String> settings = new LinkedHashMap<>(base);
        settings.putAll(strategy.settings());
        spark.sparkContext().setJobDescription("sparkgen report: " + strategy.name());
        long t0 = System.nanoTime();
        List<Row> generated = SparkGen.generate(input, shipment, JobConfig.of(settings)).orderBy("id").collectAsList();
        List<StrategyMetrics.Continuation> items = new ArrayList<>();
        for (Row r : generated) {
          if (r.getAs("error") != null) {
            throw new IllegalStateException("report row " + r.getAs("id") + " failed: " + r.getAs("error"));
          }
          List<Float> lps = r.getList(r.fieldIndex("token_logprobs"));
          float[] lp = new float[lps.size()];
          for (int i = 0; i < lp.length; i++) {
            lp[i] = lps.get(i);
          }
          items.add(new StrategyMetrics.Continuation(r.getAs("generated_text"), r.<Integer>getAs("num_generated_tokens"), lp));
        }
        StrategyMetrics m = StrategyMetrics.of(strategy.name(), items);
        results.add(m);
        examples.add(strategy.name() + ": " + prompts.get(0) + " ⟶ " + items.get(0).text());
        out.printf(Locale.ROOT, "%-16s %d continuations in %.1f s: repetition %.1f %%%n", strategy.name(), items.size(),
            (System.nanoTime() - t0) / 1e9, m.repetitionPercent());
      }
      Path dir = Path.of(s.output());
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("report.md"), ReportTable.markdown(results, s, examples), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve("report.json"), ReportTable.json(results, s), StandardCharsets.UTF_8);
      ReportChart.write(results, dir.resolve("report.png"));
      out.print(ReportTable.markdown(results, s, List.of()));
      out.println("report written to " + dir.toAbsolutePath());
      return 0;
    } finally {
      spark.stop();
    }
  }
}
