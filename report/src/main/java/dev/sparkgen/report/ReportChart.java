package dev.sparkgen.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The report's PNG chart (XChart): repetition, distinct-2 and self-BLEU-4 per strategy, in percent.
 * The legend sits below the plot so the strategies' labels get the whole width (beside it, the
 * labels of neighbouring strategies ran into each other).
 */
public final class ReportChart {
  /** The image's size in pixels. */
  static final int WIDTH = 1080;
  static final int HEIGHT = 540;

  private ReportChart() {}

  /** The chart of {@code results}, one group of bars per strategy. */
  static CategoryChart chart(List<StrategyMetrics> results) {
    System.setProperty("java.awt.headless", "true");
    List<String> names = results.stream().map(StrategyMetrics::strategy).toList();
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Degeneration by decoding strategy").xAxisTitle("strategy").yAxisTitle("percent").build();
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS).setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.addSeries("repetition %", names, results.stream().map(StrategyMetrics::repetitionPercent).toList());
    chart.addSeries("distinct-2 x 100", names, results.stream().map(m -> 100 * m.distinct2()).toList());
    chart.addSeries("self-BLEU-4 x 100", names, results.stream().map(m -> 100 * m.selfBleu4()).toList());
    return chart;
  }

  /** Writes the chart to {@code png}. */
  public static void write(List<StrategyMetrics> results, Path png) throws IOException {
    CategoryChart chart = chart(results);
    String file = png.toString();
    BitmapEncoder.saveBitmap(chart, file.endsWith(".png") ? file.substring(0, file.length() - 4) : file,
        BitmapEncoder.BitmapFormat.PNG);
  }
}
