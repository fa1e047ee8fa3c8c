package dev.sparkgen.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.FontMetrics;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;

/** The chart of the committed report: drawn, and wide enough that neighbouring strategy labels do not touch. */
class ReportChartTest {
  @TempDir Path tmp;

  /** The committed run's measures (report/docs/degeneration/report.json). */
  static List<StrategyMetrics> committed() throws Exception {
    JsonObject root = JsonParser.parseString(Files.readString(Path.of("docs/degeneration/report.json"))).getAsJsonObject();
    List<StrategyMetrics> out = new ArrayList<>();
    for (JsonElement e : root.getAsJsonArray("strategies")) {
      JsonObject o = e.getAsJsonObject();
      out.add(new StrategyMetrics(o.get("strategy").getAsString(), o.get("continuations").getAsInt(),
          o.get("repetition_percent").getAsDouble(), o.get("distinct_1").getAsDouble(), o.get("distinct_2").getAsDouble(),
          o.get("self_bleu_4").getAsDouble(), o.get("mean_length").getAsDouble(), o.get("perplexity").getAsDouble()));
    }
    return out;
  }

  @Test
  void strategyLabelsFitTheirSlotsAndThePngIsWritten() throws Exception {
    List<StrategyMetrics> results = committed();
    assertEquals(Strategy.STANDARD.size(), results.size());
    CategoryChart chart = ReportChart.chart(results);
    // The plot spans the image less the y axis and margins (about 100 px) and, for a legend beside it,
    // the legend (its longest entry plus box and swatch, about 60 px); each strategy gets 1/n of that.
    java.awt.Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    FontMetrics fm = g.getFontMetrics(chart.getStyler().getAxisTickLabelsFont());
    FontMetrics legend = g.getFontMetrics(chart.getStyler().getLegendFont());
    double beside = switch (chart.getStyler().getLegendPosition()) {
      case OutsideE -> 60 + chart.getSeriesMap().keySet().stream()
          .mapToInt(legend::stringWidth).max().orElse(0);
      default -> 0;
    };
    double slot = (ReportChart.WIDTH - 100.0 - beside) / results.size();
    for (StrategyMetrics m : results) {
      int w = fm.stringWidth(m.strategy());
      assertTrue(w + 16 < slot, m.strategy() + ": label " + w + " px in a " + slot + " px slot");
    }
    Path png = tmp.resolve("report.png");
    ReportChart.write(results, png);
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(ReportChart.WIDTH, image.getWidth());
    assertEquals(ReportChart.HEIGHT, image.getHeight());
    String out = System.getProperty("sparkgen.chart.out"); // to refresh the committed chart from its report.json
    if (out != null) {
      ReportChart.write(results, Path.of(out));
    }
  }
}
