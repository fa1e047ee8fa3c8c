package dev.sparkgen.report;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Locale;

/** The report as a Markdown table (for people) and JSON (for tools). */
public final class ReportTable {
  private ReportTable() {}

  /** A Markdown table of the measures, with the settings and optional example continuations. */
  public static String markdown(List<StrategyMetrics> results, ReportSettings s, List<String> examples) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "Degeneration report: %s, %d validation prompts (first %d words of a fortune), "
        + "up to %d new tokens, seed %d.%n%n", s.model().getFileName(), s.prompts(), s.promptWords(), s.maxNewTokens(), s.seed()));
    b.append("| strategy | repetition % | distinct-1 | distinct-2 | self-BLEU-4 | mean length (tokens) | perplexity |\n");
    b.append("| --- | --- | --- | --- | --- | --- | --- |\n");
    for (StrategyMetrics m : results) {
      b.append(String.format(Locale.ROOT, "| %s | %.2f | %.3f | %.3f | %.3f | %.1f | %.2f |%n", m.strategy(),
          m.repetitionPercent(), m.distinct1(), m.distinct2(), m.selfBleu4(), m.meanLength(), m.perplexity()));
    }
    if (!examples.isEmpty()) {
      b.append("\nThe first prompt's continuation under each strategy:\n\n");
      for (String e : examples) {
        b.append("- ").append(e.replace("\n", " \\n ")).append('\n');
      }
    }
    return b.toString();
  }

  /** The measures and settings as JSON. */
  public static String json(List<StrategyMetrics> results, ReportSettings s) {
    JsonObject root = new JsonObject();
    root.addProperty("model", String.valueOf(s.model().getFileName()));
    root.addProperty("prompts", s.prompts());
    root.addProperty("prompt_words", s.promptWords());
    root.addProperty("max_new_tokens", s.maxNewTokens());
    root.addProperty("seed", s.seed());
    JsonArray rows = new JsonArray();
    for (StrategyMetrics m : results) {
      JsonObject o = new JsonObject();
      o.addProperty("strategy", m.strategy());
      o.addProperty("continuations", m.continuations());
      o.addProperty("repetition_percent", m.repetitionPercent());
      o.addProperty("distinct_1", m.distinct1());
      o.addProperty("distinct_2", m.distinct2());
      o.addProperty("self_bleu_4", m.selfBleu4());
      o.addProperty("mean_length", m.meanLength());
      o.addProperty("perplexity", m.perplexity());
      rows.add(o);
    }
    root.add("strategies", rows);
    return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(root) + "\n";
  }
}
