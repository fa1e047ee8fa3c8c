package dev.sparkgen.model.generate;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Text settings under Hugging Face keys, parsed with the key and the value in every error. */
final class TextValues {
  private final Map<String, String> values;

  TextValues(Map<String, String> values, Set<String> known) {
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (!known.contains(e.getKey())) {
        throw new IllegalArgumentException("unknown generation setting " + e.getKey() + "=" + e.getValue()
            + " (known: " + String.join(", ", known) + ")");
      }
      if (e.getValue() == null) {
        throw new IllegalArgumentException("generation setting " + e.getKey() + " has no value");
      }
    }
    this.values = values;
  }

  private IllegalArgumentException bad(String key, String value, String expected) {
    return new IllegalArgumentException("invalid generation setting " + key + "=" + value + ": expected " + expected);
  }

  int integer(String key, int base) {
    String v = values.get(key);
    if (v == null) {
      return base;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw bad(key, v, "an integer");
    }
  }

  long longValue(String key, long base) {
    String v = values.get(key);
    if (v == null) {
      return base;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw bad(key, v, "an integer");
    }
  }

  double number(String key, double base) {
    String v = values.get(key);
    if (v == null) {
      return base;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw bad(key, v, "a number");
    }
  }

  /** A number where empty or "none" means 0 (disabled). */
  double optionalNumber(String key, double base) {
    String v = values.get(key);
    return v != null && isNone(v) ? 0.0 : number(key, base);
  }

  boolean bool(String key, boolean base) {
    String v = values.get(key);
    if (v == null) {
      return base;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw bad(key, v, "true or false");
    };
  }

  String text(String key, String base) {
    String v = values.get(key);
    return v == null ? base : v;
  }

  /** "2" or "2,5"; empty or "none" for an empty list. */
  List<Integer> idList(String key, List<Integer> base) {
    String v = values.get(key);
    if (v == null) {
      return base;
    }
    List<Integer> out = new ArrayList<>();
    if (isNone(v)) {
      return out;
    }
    String body = v.trim();
    if (body.startsWith("[") && body.endsWith("]")) {
      body = body.substring(1, body.length() - 1);
    }
    for (String part : body.split(",")) {
      try {
        out.add(Integer.parseInt(part.trim()));
      } catch (NumberFormatException e) {
        throw bad(key, v, "a token id or a comma-separated list of ids");
      }
    }
    return out;
  }

  /** An id, or null for empty/"none". */
  Integer optionalId(String key, Integer base) {
    String v = values.get(key);
    if (v == null) {
      return base;
    }
    if (isNone(v)) {
      return null;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw bad(key, v, "a token id or none");
    }
  }

  /** A JSON array of strings, or (text not starting with '[') one literal string; empty for none. */
  List<String> stringList(String key, List<String> base) {
    String v = values.get(key);
    if (v == null) {
      return base;
    }
    List<String> out = new ArrayList<>();
    if (v.isEmpty()) {
      return out;
    }
    if (!v.stripLeading().startsWith("[")) {
      out.add(v);
      return out;
    }
    try {
      JsonArray array = JsonParser.parseString(v).getAsJsonArray();
      for (JsonElement e : array) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
          throw bad(key, v, "a JSON array of strings");
        }
        out.add(e.getAsString());
      }
      return out;
    } catch (JsonParseException | IllegalStateException e) {
      throw bad(key, v, "a JSON array of strings, e.g. [\"\\n\\n\", \"###\"]");
    }
  }

  private static boolean isNone(String v) {
    String t = v.trim().toLowerCase(Locale.ROOT);
    return t.isEmpty() || t.equals("none") || t.equals("null");
  }
}
