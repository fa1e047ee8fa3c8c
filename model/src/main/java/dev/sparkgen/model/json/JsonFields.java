package dev.sparkgen.model.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One JSON object of a file, read through typed accessors that check each value's JSON type and
 * range. Absent keys and {@code null} values are the same ("not given"), as in Hugging Face's config
 * classes. Every failure is a {@link JsonValueException} whose message names the file and the key's
 * path from the top ({@code rope_scaling.factor}) and shows the offending value. The object
 * remembers which keys were read, so a caller can refuse keys it does not understand.
 */
public final class JsonFields {
  private static final int SHOWN_CHARS = 80;

  private final String source;
  private final String path;
  private final JsonObject object;
  private final Set<String> read = new LinkedHashSet<>();

  JsonFields(String source, String path, JsonObject object) {
    this.source = source;
    this.path = path;
    this.object = object;
  }

  /** Wraps an already parsed object (e.g. one built in memory); {@code source} names it in messages. */
  public static JsonFields of(JsonObject object, String source) {
    return new JsonFields(source, "", object);
  }

  /** The file (or other source) named in messages. */
  public String source() {
    return source;
  }

  /** The key's full path, e.g. {@code rope_scaling.factor}. */
  public String name(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** Whether the key is present with a non-null value. */
  public boolean has(String key) {
    JsonElement e = object.get(key);
    return e != null && !e.isJsonNull();
  }

  /** The keys present (including those with null values), in file order. */
  public Set<String> keys() {
    return Collections.unmodifiableSet(object.keySet());
  }

  /** Keys present with a non-null value that no accessor has read yet. */
  public Set<String> unread() {
    Set<String> out = new LinkedHashSet<>();
    for (String k : object.keySet()) {
      if (!read.contains(k) && has(k)) {
        out.add(k);
      }
    }
    return out;
  }

  /** The raw value (null when absent or null), marking the key as read; for messages and pass-through. */
  public JsonElement raw(String key) {
    read.add(key);
    JsonElement e = object.get(key);
    return e == null || e.isJsonNull() ? null : e;
  }

  /** A failure naming this file and key: "{@code <file>: key '<path>' <problem>}". */
  public JsonValueException error(String key, String problem) {
    return new JsonValueException(source + ": key '" + name(key) + "' " + problem);
  }

  /** The value as compact JSON, shortened for messages. */
  public String show(String key) {
    return show(object.get(key));
  }

  static String show(JsonElement e) {
    String s = String.valueOf(e);
    return s.length() <= SHOWN_CHARS ? s : s.substring(0, SHOWN_CHARS) + "...";
  }

  // ---- strings and booleans ----

  /** A required string. */
  public String string(String key) {
    JsonElement e = raw(key);
    if (e == null) {
      throw missing(key);
    }
    return asString(key, e);
  }

  /** A string, or {@code dflt} when not given. */
  public String string(String key, String dflt) {
    JsonElement e = raw(key);
    return e == null ? dflt : asString(key, e);
  }

  private String asString(String key, JsonElement e) {
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw error(key, "must be a string, got " + show(e));
    }
    return e.getAsString();
  }

  /** A boolean, or {@code dflt} when not given. */
  public boolean bool(String key, boolean dflt) {
    JsonElement e = raw(key);
    if (e == null) {
      return dflt;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
      throw error(key, "must be true or false, got " + show(e));
    }
    return e.getAsBoolean();
  }

  // ---- integers ----

  /** A required integer in {@code [min, max]}. */
  public int integer(String key, int min, int max) {
    JsonElement e = raw(key);
    if (e == null) {
      throw missing(key);
    }
    return asInt(key, e, min, max);
  }

  /** An integer in {@code [min, max]}, or {@code dflt} when not given. */
  public int integer(String key, int dflt, int min, int max) {
    JsonElement e = raw(key);
    return e == null ? dflt : asInt(key, e, min, max);
  }

  /** An integer in {@code [min, max]}, or null when not given. */
  public Integer optionalInteger(String key, int min, int max) {
    JsonElement e = raw(key);
    return e == null ? null : asInt(key, e, min, max);
  }

  /** One integer or an array of integers, each in {@code [min, max]}; empty when not given. */
  public List<Integer> integers(String key, int min, int max) {
    JsonElement e = raw(key);
    List<Integer> out = new ArrayList<>();
    if (e == null) {
      return out;
    }
    if (e.isJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      for (int i = 0; i < a.size(); i++) {
        out.add(intValue(key + "[" + i + "]", a.get(i), min, max));
      }
    } else {
      out.add(asInt(key, e, min, max));
    }
    return out;
  }

  private int asInt(String key, JsonElement e, int min, int max) {
    return intValue(key, e, min, max);
  }

  private int intValue(String key, JsonElement e, int min, int max) {
    String range = max == Integer.MAX_VALUE ? ">= " + min : "in [" + min + ", " + max + "]";
    BigDecimal v = exactNumber(e);
    if (v == null || !isIntegral(v)) {
      throw error(key, "must be an integer " + range + ", got " + show(e));
    }
    // Compare without converting: 1e999999999 must not become a billion-digit BigInteger.
    if (integerDigits(v) > 12 || v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw error(key, "must be an integer " + range + ", got " + show(e));
    }
    return v.intValueExact();
  }

  // ---- numbers ----

  /** A finite number, or {@code dflt} when not given. */
  public double number(String key, double dflt) {
    Double v = optionalNumber(key);
    return v == null ? dflt : v;
  }

  /** A finite number, or null when not given. */
  public Double optionalNumber(String key) {
    JsonElement e = raw(key);
    return e == null ? null : numberValue(key, e);
  }

  /** A finite number > 0, or {@code dflt} when not given. */
  public double positive(String key, double dflt) {
    double v = number(key, dflt);
    if (!(v > 0)) {
      throw error(key, "must be a number > 0, got " + show(key));
    }
    return v;
  }

  /** An array of finite numbers; null when not given. */
  public List<Double> numbers(String key) {
    JsonElement e = raw(key);
    if (e == null) {
      return null;
    }
    if (!e.isJsonArray()) {
      throw error(key, "must be an array of numbers, got " + show(e));
    }
    JsonArray a = e.getAsJsonArray();
    List<Double> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      out.add(numberValue(key + "[" + i + "]", a.get(i)));
    }
    return out;
  }

  private double numberValue(String key, JsonElement e) {
    BigDecimal v = exactNumber(e);
    if (v == null) {
      throw error(key, "must be a number, got " + show(e));
    }
    double d = v.doubleValue();
    if (!Double.isFinite(d)) {
      throw error(key, "must be a finite number, got " + show(e));
    }
    return d;
  }

  // ---- objects and arrays of strings ----

  /** A nested object, or null when not given; its messages carry this key in their path. */
  public JsonFields optionalObject(String key) {
    JsonElement e = raw(key);
    if (e == null) {
      return null;
    }
    if (!e.isJsonObject()) {
      throw error(key, "must be an object ({...}) or null, got " + show(e));
    }
    return new JsonFields(source, name(key), e.getAsJsonObject());
  }

  /** An array of strings; null when not given. */
  public List<String> strings(String key) {
    JsonElement e = raw(key);
    if (e == null) {
      return null;
    }
    if (!e.isJsonArray()) {
      throw error(key, "must be an array of strings, got " + show(e));
    }
    List<String> out = new ArrayList<>();
    JsonArray a = e.getAsJsonArray();
    for (int i = 0; i < a.size(); i++) {
      JsonElement x = a.get(i);
      if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) {
        throw error(key + "[" + i + "]", "must be a string, got " + show(x));
      }
      out.add(x.getAsString());
    }
    return out;
  }

  private JsonValueException missing(String key) {
    return new JsonValueException(source + ": missing key '" + name(key) + "'");
  }

  /** The exact value of a JSON number; null for anything else (including numeric strings). */
  private static BigDecimal exactNumber(JsonElement e) {
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      return null;
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    Number n = p.getAsNumber();
    if (n instanceof BigDecimal b) {
      return b;
    }
    try {
      return new BigDecimal(n.toString()); // trees built in memory hold Integer, Double, ...
    } catch (NumberFormatException notFinite) {
      return null;
    }
  }

  private static boolean isIntegral(BigDecimal v) {
    return v.signum() == 0 || v.scale() <= 0 || v.stripTrailingZeros().scale() <= 0;
  }

  /** Digits before the decimal point (an upper bound), without expanding the number. */
  private static long integerDigits(BigDecimal v) {
    return (long) v.precision() - v.scale();
  }
}
