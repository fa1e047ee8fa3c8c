package dev.sparkgen.job.config.parse;

import dev.sparkgen.job.error.ConfigException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Readers of one setting's raw text value, shared by every group of keys ({@code JobConfig}, the
 * chat keys, ...): each takes the resolved key/value map (every key present, as {@code
 * Settings.resolve} gives it) and a key, trims the value, and refuses a bad one with a {@link
 * ConfigException} naming the key and the value.
 */
public final class ValueParsers {
  private ValueParsers() {}

  /** {@code true} or {@code false}, in any case. */
  public static boolean bool(Map<String, String> v, String key) {
    String s = v.get(key).trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ConfigException(key + "='" + v.get(key).trim() + "': must be true or false");
    };
  }

  /** The trimmed value, which must not be empty. */
  public static String nonEmpty(Map<String, String> v, String key) {
    String s = v.get(key).trim();
    if (s.isEmpty()) {
      throw new ConfigException(key + "='" + v.get(key) + "': must not be empty");
    }
    return s;
  }

  /** One of {@code type}'s constants, named in any case ({@code on_error=fail} is {@code FAIL}). */
  public static <E extends Enum<E>> E choice(Map<String, String> v, String key, Class<E> type) {
    String s = v.get(key).trim();
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(s)) {
        return e;
      }
    }
    throw new ConfigException(key + "='" + s + "': must be one of "
        + String.join(", ", Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList()));
  }

  /** An integer {@code >= min}. */
  public static int integer(Map<String, String> v, String key, int min) {
    String s = v.get(key).trim();
    int n;
    try {
      n = Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new ConfigException(key + "='" + s + "': not an integer");
    }
    if (n < min) {
      throw new ConfigException(key + "=" + n + ": must be >= " + min);
    }
    return n;
  }

  /** Seconds {@code >= 0}, decimals allowed ({@code progress_interval=0.5}). */
  public static double seconds(Map<String, String> v, String key) {
    String s = v.get(key).trim();
    double d;
    try {
      d = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new ConfigException(key + "='" + s + "': not a number of seconds");
    }
    if (!(d >= 0) || Double.isInfinite(d)) {
      throw new ConfigException(key + "=" + s + ": must be a number of seconds >= 0");
    }
    return d;
  }

  /**
   * A size in bytes {@code > 0}: bytes, or a number with k, m, g or t (powers of 1024) and an
   * optional b, e.g. {@code 512m}, {@code 4g}, {@code 1.5g}, {@code 4gb}.
   */
  public static long bytes(Map<String, String> v, String key) {
    String text = v.get(key).trim().toLowerCase(Locale.ROOT);
    String s = text.endsWith("b") ? text.substring(0, text.length() - 1) : text; // 4g = 4gb, 100 = 100b
    long unit = 1;
    String number = s;
    int u = "kmgt".indexOf(s.isEmpty() ? ' ' : s.charAt(s.length() - 1));
    if (u >= 0) {
      unit = 1L << (10 * (u + 1));
      number = s.substring(0, s.length() - 1);
    }
    double n;
    try {
      n = Double.parseDouble(number);
    } catch (NumberFormatException e) {
      throw new ConfigException(key + "='" + v.get(key).trim() + "': not a size (bytes, or a number with k, m, g or t)");
    }
    if (!(n > 0) || n * unit >= Long.MAX_VALUE) {
      throw new ConfigException(key + "='" + v.get(key).trim() + "': must be a size > 0");
    }
    return (long) (n * unit);
  }
}
