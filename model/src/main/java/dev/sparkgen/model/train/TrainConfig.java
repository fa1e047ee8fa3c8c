package dev.sparkgen.model.train;

import dev.sparkgen.model.cli.Options;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trainer settings, from {@code --key=value} arguments over the defaults that produced the demo
 * model. Validated here, with the key and value in every message. {@code steps} sets the schedule;
 * {@code until} stops a run early (its state saved) so that a later {@code resume=true} continues it.
 */
public record TrainConfig(
    Path data, Path out, Path state, int layers, int hidden, int heads, int context, int batch, int steps,
    double lr, double minLr, int warmup, double weightDecay, double clip, int evalEvery, int evalBatches,
    long seed, boolean resume, int threads, int until) {

  /** Defaults: the demo model (about 2.5 M parameters, byte-level, 128-token context). */
  public static final Map<String, String> DEFAULTS = defaults();

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("data", "model/data/fortunes");
    d.put("out", "model/demo/fortunes-gpt2");
    d.put("state", "model/target/train-state");
    d.put("layers", "4");
    d.put("hidden", "224");
    d.put("heads", "4");
    d.put("context", "128");
    d.put("batch", "16");
    d.put("steps", "2000");
    d.put("lr", "0.002");
    d.put("min_lr", "0.0002");
    d.put("warmup", "100");
    d.put("weight_decay", "0.1");
    d.put("clip", "1.0");
    d.put("eval_every", "250");
    d.put("eval_batches", "16");
    d.put("seed", "1234");
    d.put("resume", "false");
    d.put("threads", "2");
    d.put("until", "0"); // stop (after saving state) at this step; 0: run all steps
    return java.util.Collections.unmodifiableMap(d);
  }

  /** Parses {@code --key=value} (or {@code --key value}) arguments; unknown keys and bad values are refused. */
  public static TrainConfig parse(String... args) {
    Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
    for (Map.Entry<String, String> e : Options.parse(List.of(args), "(keys: " + DEFAULTS.keySet() + ")").entrySet()) {
      if (!DEFAULTS.containsKey(e.getKey())) {
        throw new IllegalArgumentException("unknown key '" + e.getKey() + "'; keys: " + DEFAULTS.keySet());
      }
      v.put(e.getKey(), e.getValue());
    }
    TrainConfig c = new TrainConfig(Path.of(v.get("data")), Path.of(v.get("out")), Path.of(v.get("state")),
        positive(v, "layers"), positive(v, "hidden"), positive(v, "heads"), positive(v, "context"),
        positive(v, "batch"), positive(v, "steps"), number(v, "lr"), number(v, "min_lr"), nonNegative(v, "warmup"),
        number(v, "weight_decay"), number(v, "clip"), positive(v, "eval_every"), positive(v, "eval_batches"),
        Long.parseLong(v.get("seed")), Boolean.parseBoolean(v.get("resume")), positive(v, "threads"),
        nonNegative(v, "until"));
    if (c.until > c.steps) {
      throw new IllegalArgumentException("until=" + c.until + " must not exceed steps=" + c.steps);
    }
    if (c.hidden % c.heads != 0) {
      throw new IllegalArgumentException("hidden=" + c.hidden + " must be divisible by heads=" + c.heads);
    }
    return c;
  }

  private static int positive(Map<String, String> v, String key) {
    int n = nonNegative(v, key);
    if (n == 0) {
      throw new IllegalArgumentException(key + " must be > 0, got " + v.get(key));
    }
    return n;
  }

  private static int nonNegative(Map<String, String> v, String key) {
    try {
      int n = Integer.parseInt(v.get(key));
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a non-negative integer, got '" + v.get(key) + "'");
    }
  }

  private static double number(Map<String, String> v, String key) {
    try {
      double d = Double.parseDouble(v.get(key));
      if (!(d >= 0) || Double.isInfinite(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number >= 0, got '" + v.get(key) + "'");
    }
  }
}
