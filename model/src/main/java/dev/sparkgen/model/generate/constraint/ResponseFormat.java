package dev.sparkgen.model.generate.constraint;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dk.brics.automaton.Automaton;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the generated text must be, as the {@code response_format} setting writes it:
 *
 * <ul>
 *   <li>{@code json}: any JSON object (values nesting at most {@link JsonGrammar#ANY_DEPTH} levels);
 *   <li>{@code json_schema:SCHEMA}: a JSON text valid under SCHEMA (inline JSON; the subset of
 *       {@link SchemaCompiler}); {@code json_schema:@FILE} reads it from a file ({@link #readFile});
 *   <li>{@code regex:PATTERN}: a text that PATTERN (ECMA-262 subset, {@link RegexCompiler}) matches
 *       as a whole;
 *   <li>{@code choice:["a","b"]}: exactly one of the strings (no quotes around it).
 * </ul>
 *
 * @param kind which of the four
 * @param body the schema's JSON text, the pattern, or the choices' JSON array; empty for json
 */
public record ResponseFormat(Kind kind, String body) {
  /** The four kinds of format. */
  public enum Kind {
    JSON, JSON_SCHEMA, REGEX, CHOICE;

    /** The setting's prefix: json, json_schema, regex, choice. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Checks the body's syntax (JSON for a schema or the choices); the language is checked by {@link #check}. */
  public ResponseFormat {
    if (kind == null || body == null) {
      throw new ResponseFormatException("a response format needs a kind and a body");
    }
    if (kind == Kind.JSON_SCHEMA) {
      parseJson(body, "the schema");
    } else if (kind == Kind.CHOICE) {
      choices(body);
    }
  }

  /**
   * Parses the setting text: {@code json}, {@code json_schema:...}, {@code regex:...} or {@code
   * choice:[...]}. A schema given as {@code @FILE} is refused here: read it with {@link #readFile}.
   */
  public static ResponseFormat parse(String text) {
    String t = text == null ? "" : text;
    if (t.strip().equals("json")) {
      return new ResponseFormat(Kind.JSON, "");
    }
    int colon = t.indexOf(':');
    String prefix = colon < 0 ? t.strip() : t.substring(0, colon).strip();
    String body = colon < 0 ? "" : t.substring(colon + 1);
    for (Kind k : Kind.values()) {
      if (k != Kind.JSON && k.label().equals(prefix) && colon >= 0) {
        if (k == Kind.JSON_SCHEMA && body.strip().startsWith("@")) {
          throw new ResponseFormatException("json_schema:" + body.strip() + " names a file; give the schema inline here");
        }
        return new ResponseFormat(k, k == Kind.REGEX ? body : body.strip());
      }
    }
    throw new ResponseFormatException("response format '" + shorten(t) + "' must be json, json_schema:SCHEMA,"
        + " regex:PATTERN or choice:[\"a\", \"b\", ...]");
  }

  /**
   * Like {@link #parse}, but {@code json_schema:@FILE} reads the schema from FILE (resolved against
   * {@code base} when relative); errors name the file.
   */
  public static ResponseFormat readFile(String text, Path base) {
    String t = text == null ? "" : text.strip();
    if (t.startsWith("json_schema:") && t.substring("json_schema:".length()).strip().startsWith("@")) {
      Path file = base.resolve(t.substring("json_schema:".length()).strip().substring(1));
      try {
        return new ResponseFormat(Kind.JSON_SCHEMA, Files.readString(file));
      } catch (IOException e) {
        throw new ResponseFormatException("cannot read the JSON Schema file " + file + ": " + e);
      } catch (ResponseFormatException e) {
        throw new ResponseFormatException(file + ": " + e.getMessage(), e.keyword(), e.path());
      }
    }
    return parse(text);
  }

  /** The setting text that {@link #parse} reads back to this format. */
  public String text() {
    return kind == Kind.JSON ? "json" : kind.label() + ":" + body;
  }

  /**
   * Compiles the language once, to refuse what cannot be generated (unsupported keywords with
   * their path, non-regular patterns, empty languages) before any work starts.
   */
  public void check(int maxWhitespace) {
    ByteDfa.of(automaton(maxWhitespace));
  }

  /** The choices of a {@link Kind#CHOICE} format. */
  public List<String> choices() {
    return kind == Kind.CHOICE ? choices(body) : List.of();
  }

  /** The language over UTF-8 bytes, minimal; {@code maxWhitespace} bounds the whitespace between JSON tokens. */
  Automaton automaton(int maxWhitespace) {
    JsonGrammar json = new JsonGrammar(maxWhitespace);
    return switch (kind) {
      case JSON -> json.anyObject(JsonGrammar.ANY_DEPTH);
      case JSON_SCHEMA -> SchemaCompiler.compile(parseJson(body, "the schema"), json);
      case REGEX -> RegexCompiler.fullMatch(body);
      case CHOICE -> JsonGrammar.minimal(JsonGrammar.union(choices(body).stream().map(Utf8::literal).toList()));
    };
  }

  private static List<String> choices(String body) {
    JsonElement e = parseJson(body, "choice");
    if (!e.isJsonArray() || e.getAsJsonArray().isEmpty()) {
      throw new ResponseFormatException("choice must be a non-empty JSON array of strings, e.g. choice:[\"yes\", \"no\"];"
          + " got " + shorten(body));
    }
    List<String> out = new ArrayList<>();
    for (JsonElement c : e.getAsJsonArray()) {
      if (!SchemaCompiler.isString(c)) {
        throw new ResponseFormatException("choice must be a JSON array of strings; " + c + " is not a string");
      }
      out.add(c.getAsString());
    }
    return out;
  }

  /** Strict JSON (no comments, no single quotes, nothing after the value). */
  private static JsonElement parseJson(String text, String what) {
    try (JsonReader r = new JsonReader(new StringReader(text))) {
      r.setStrictness(Strictness.STRICT);
      JsonElement e = JsonParser.parseReader(r);
      if (r.peek() != JsonToken.END_DOCUMENT) {
        throw new ResponseFormatException(what + " is not one JSON value: text follows it");
      }
      return e;
    } catch (JsonParseException | IOException | IllegalStateException e) {
      String m = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new ResponseFormatException(what + " is not valid JSON: " + m.replaceAll("\\s*See https?://\\S+", ""));
    }
  }

  private static String shorten(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
