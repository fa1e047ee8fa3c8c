package dev.sparkgen.report;

import dev.sparkgen.job.config.Suggestions;
import dev.sparkgen.model.cli.Options;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of the degeneration report, from {@code --key=value} arguments over the defaults below
 * (paths relative to the working directory: run it from the repository root).
 */
public record ReportSettings(Path model, Path data, String output, int prompts, int promptWords,
    int maxNewTokens, long seed, int batchSize, String master) {

  /** Keys and defaults. */
  public static final Map<String, String> DEFAULTS = defaults();

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("model", "model/demo/fortunes-gpt2");
    d.put("data", "model/data/fortunes/valid.txt");
    d.put("output", "out/report-{timestamp}");
    d.put("prompts", "200");
    d.put("prompt_words", "5");
    d.put("max_new_tokens", "128");
    d.put("seed", "42");
    d.put("batch_size", "32");
    d.put("master", "local[2]");
    return java.util.Collections.unmodifiableMap(d);
  }

  /** The --help text: usage and every key with its default. */
  public static String help() {
    StringBuilder sb = new StringBuilder("Usage: sparkgen report [--key=value | --key value ...]\n\n")
        .append("Generates continuations of validation prompts under six decoding strategies (greedy, beam 4, pure\n")
        .append("sampling, temperature 0.7, top-k 40, top-p 0.95) through the job, and writes report.md, report.json\n")
        .append("and report.png into 'output'. Keys (paths relative to the working directory; job/bin/sparkgen\n")
        .append("sets model and data to the repository's demo model and validation split):\n");
    DEFAULTS.forEach((k, d) -> sb.append(String.format("  --%s=<value> (default: %s)%n", k, d)));
    return sb.toString();
  }

  /** Parses the arguments; an unknown key or a bad number is refused with the key and value. */
  public static ReportSettings parse(String... args) {
    Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
    Map<String, String> given = Options.parse(List.of(args), "(try sparkgen report --help)");
    for (Map.Entry<String, String> e : given.entrySet()) {
      if (!DEFAULTS.containsKey(e.getKey())) {
        String near = Suggestions.nearest(e.getKey(), DEFAULTS.keySet());
        throw new IllegalArgumentException("unknown report key '" + e.getKey() + "'"
            + (near != null ? "; did you mean '" + near + "'?" : "") + " (keys: " + DEFAULTS.keySet() + ")");
      }
      v.put(e.getKey(), e.getValue());
    }
    return new ReportSettings(Path.of(v.get("model")), Path.of(v.get("data")),
        v.get("output").replace("{timestamp}", java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now())),
        positive(v, "prompts"), positive(v, "prompt_words"), positive(v, "max_new_tokens"),
        seed(v), positive(v, "batch_size"), v.get("master"));
  }

  private static long seed(Map<String, String> v) {
    try {
      return Long.parseLong(v.get("seed").trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("report key seed must be an integer, got '" + v.get("seed") + "'");
    }
  }

  private static int positive(Map<String, String> v, String key) {
    try {
      int n = Integer.parseInt(v.get(key));
      if (n <= 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("report key " + key + " must be a positive integer, got '" + v.get(key) + "'");
    }
  }
}
