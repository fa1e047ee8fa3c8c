package dev.sparkgen.job.report;

import java.nio.file.Path;
import java.util.LinkedHashMap;
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

  /** Parses the arguments; an unknown key or a bad number is refused with the key and value. */
  public static ReportSettings parse(String... args) {
    Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
    for (String a : args) {
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("expected --key=value, got '" + a + "'; keys: " + DEFAULTS.keySet());
      }
      String key = a.substring(2, eq);
      if (!DEFAULTS.containsKey(key)) {
        throw new IllegalArgumentException("unknown report key '" + key + "'; keys: " + DEFAULTS.keySet());
      }
      v.put(key, a.substring(eq + 1));
    }
    return new ReportSettings(Path.of(v.get("model")), Path.of(v.get("data")),
        v.get("output").replace("{timestamp}", java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now())),
        positive(v, "prompts"), positive(v, "prompt_words"), positive(v, "max_new_tokens"),
        Long.parseLong(v.get("seed")), positive(v, "batch_size"), v.get("master"));
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
