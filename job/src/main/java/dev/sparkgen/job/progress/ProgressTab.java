package dev.sparkgen.job.progress;

import jakarta.servlet.http.HttpServletRequest;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.ui.SparkUI;
import org.apache.spark.ui.SparkUITab;
import org.apache.spark.ui.UIUtils;
import org.apache.spark.ui.WebUIPage;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.xml.Node;
import scala.xml.XML;

/**
 * A "Sparkgen" tab in the Spark UI (the application's web UI, when {@code spark.ui.enabled}) that
 * shows the run's progress live: the counts as of the page's request, and the progress lines
 * printed so far. Spark fixes a job's and a stage's description when the job is submitted (its
 * {@code AppStatusListener} copies {@code spark.job.description} into the job once), so a page is
 * the place in the UI where the numbers can move while the one long generation job runs. The page
 * reloads itself every 5 s.
 *
 * <p>Built on Spark's own UI classes ({@link SparkUITab}, {@link WebUIPage}, {@link
 * UIUtils#headerSparkPage}), as Spark's SQL and streaming tabs are; they are internal to Spark
 * (Scala {@code private[spark]}, public in bytecode), so this class is tied to the Spark version
 * the project pins.
 */
final class ProgressTab extends SparkUITab {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  /** One printed line and the wall-clock time it was printed. */
  record Printed(LocalTime at, String line) {}

  /**
   * @param now the counts at this moment (must not disturb the printed lines' intervals)
   * @param printed the lines printed so far, oldest first (read under its own lock)
   */
  ProgressTab(SparkUI ui, String title, Supplier<ProgressLine> now, List<Printed> printed) {
    super(ui, "sparkgen");
    ProgressTab tab = this;
    attachPage(new WebUIPage("") {
      @Override
      public Seq<Node> render(HttpServletRequest request) {
        Seq<Node> content = content(title, now.get(), printed);
        return UIUtils.headerSparkPage(request, "sparkgen progress", () -> content, tab, Option.empty(), false, false,
            false);
      }
    });
  }

  /** The page's body: the title, the line now, and the printed lines (newest first). */
  static Seq<Node> content(String title, ProgressLine line, List<Printed> printed) {
    StringBuilder html = new StringBuilder("<div><meta http-equiv=\"refresh\" content=\"5\"/>");
    html.append("<h4>").append(escape(title)).append("</h4>");
    html.append("<p id=\"sparkgen-progress\"><strong>").append(escape(line.format())).append("</strong></p>");
    html.append("<table class=\"table table-bordered table-sm\"><thead><tr><th>Time</th><th>Progress line</th></tr>"
        + "</thead><tbody>");
    synchronized (printed) {
      for (int i = printed.size() - 1; i >= 0; i--) {
        Printed p = printed.get(i);
        html.append("<tr><td>").append(TIME.format(p.at())).append("</td><td>").append(escape(p.line()))
            .append("</td></tr>");
      }
    }
    html.append("</tbody></table></div>");
    return XML.loadString(html.toString());
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
