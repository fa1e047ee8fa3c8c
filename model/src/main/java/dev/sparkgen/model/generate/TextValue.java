package dev.sparkgen.model.generate;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One generation setting's text value, parsed with the key and the value in every error ({@code
 * invalid generation setting top_p=abc: expected a number}). The text forms are those of {@link
 * GenerationKey}.
 */
record TextValue(String key, String text) {

  private IllegalArgumentException bad(String expected) {
    return new IllegalArgumentException("invalid generation setting " + key + "=" + text + ": expected " + expected);
  }

  int integer() {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw bad("an integer");
    }
  }

  long longValue() {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw bad("an integer");
    }
  }

  double number() {
    try {
      return Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      throw bad("a number");
    }
  }

  /** A number where empty or "none" means 0 (disabled). */
  double optionalNumber() {
    return isNone() ? 0.0 : number();
  }

  boolean bool() {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw bad("true or false");
    };
  }

  /** "2", "2,5" or "[2, 5]"; empty or "none" for an empty list. */
  List<Integer> idList() {
    List<Integer> out = new ArrayList<>();
    if (isNone()) {
      return out;
    }
    String body = text.trim();
    if (body.startsWith("[") && body.endsWith("]")) {
      body = body.substring(1, body.length() - 1);
    }
    for (String part : body.split(",")) {
      try {
        out.add(Integer.parseInt(part.trim()));
      } catch (NumberFormatException e) {
        throw bad("a token id or a comma-separated list of ids");
      }
    }
    return out;
  }

  /** An id, or null for empty/"none". */
  Integer optionalId() {
    if (isNone()) {
      return null;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw bad("a token id or none");
    }
  }

  /** A JSON array of strings, or (text not starting with '[') one literal string; empty for none. */
  List<String> stringList() {
    List<String> out = new ArrayList<>();
    if (text.isEmpty()) {
      return out;
    }
    if (!text.stripLeading().startsWith("[")) {
      out.add(text);
      return out;
    }
    try {
      JsonArray array = JsonParser.parseString(text).getAsJsonArray();
      for (JsonElement e : array) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
          throw bad("a JSON array of strings");
        }
        out.add(e.getAsString());
      }
      return out;
    } catch (JsonParseException | IllegalStateException e) {
      throw bad("a JSON array of strings, e.g. [\"\\n\\n\", \"###\"]");
    }
  }

  private boolean isNone() {
    String t = text.trim().toLowerCase(Locale.ROOT);
    return t.isEmpty() || t.equals("none") || t.equals("null");
  }
}
