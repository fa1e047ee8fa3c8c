package dev.sparkgen.model.generate.constraint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dk.brics.automaton.Automaton;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A JSON Schema (the subset below) compiled to the automaton of the JSON texts it accepts, as
 * generation writes them: object members in the order of {@code properties}, only declared
 * members, strings in one spelling ({@link JsonGrammar}). Every text of the language is valid
 * under the schema; the language is a subset of the valid texts.
 *
 * <p>Supported keywords: {@code type} (object, array, string, number, integer, boolean, null, or a
 * list of them), {@code properties}, {@code required}, {@code additionalProperties} (true or
 * false: either way only declared members are written), {@code enum}, {@code const}, {@code items}
 * (one schema), {@code minItems}, {@code maxItems}, {@code minLength}, {@code maxLength}, {@code
 * pattern} (ECMA-262, see {@link RegexCompiler}), {@code anyOf}, {@code $defs} / {@code
 * definitions} with local {@code $ref} (no recursion), {@code format} date, date-time and uuid.
 * Annotations ({@code title}, {@code description}, {@code $schema}, {@code $id}, {@code
 * $comment}, {@code examples}, {@code default}, {@code deprecated}, {@code readOnly}, {@code
 * writeOnly}) are ignored. Any other keyword is refused with its JSON Pointer.
 *
 * <p>Without {@code type}, the types are those whose keywords appear (properties/required/
 * additionalProperties: object; items/minItems/maxItems: array; minLength/maxLength/pattern/
 * format: string); with none of them and no enum, const, anyOf or $ref, any JSON value nesting at
 * most {@link JsonGrammar#ANY_DEPTH} levels. Keywords that apply together (say {@code $ref} with
 * {@code enum}) intersect.
 */
final class SchemaCompiler {
  /** The constraining keywords supported. */
  static final List<String> KEYWORDS = List.of("type", "properties", "required", "additionalProperties", "enum", "const",
      "items", "minItems", "maxItems", "minLength", "maxLength", "pattern", "anyOf", "$defs", "definitions", "$ref",
      "format");
  /** Keywords that do not constrain, accepted and ignored. */
  static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment", "examples",
      "default", "deprecated", "readOnly", "writeOnly");
  /** The largest length or item count bound accepted. */
  static final int MAX_BOUND = 10_000;

  private static final List<String> TYPES = List.of("object", "array", "string", "number", "integer", "boolean", "null");
  private static final Set<String> OBJECT_KEYWORDS = Set.of("properties", "required", "additionalProperties");
  private static final Set<String> ARRAY_KEYWORDS = Set.of("items", "minItems", "maxItems");
  private static final Set<String> STRING_KEYWORDS = Set.of("minLength", "maxLength", "pattern", "format");

  private final JsonElement root;
  private final JsonGrammar json;
  private final Deque<String> resolving = new ArrayDeque<>();
  private final Map<String, Automaton> resolved = new HashMap<>();

  private SchemaCompiler(JsonElement root, JsonGrammar json) {
    this.root = root;
    this.json = json;
  }

  /** The language of {@code schema}; refusals are {@link ResponseFormatException}s naming keyword and path. */
  static Automaton compile(JsonElement schema, JsonGrammar json) {
    SchemaCompiler c = new SchemaCompiler(schema, json);
    c.resolving.push("#");
    return c.compile(schema, "#");
  }

  private Automaton compile(JsonElement node, String path) {
    if (node.isJsonPrimitive() && node.getAsJsonPrimitive().isBoolean()) {
      if (node.getAsBoolean()) {
        return json.anyValue(JsonGrammar.ANY_DEPTH);
      }
      throw refuse("the schema false at " + path + " allows no value", null, path);
    }
    if (!node.isJsonObject()) {
      throw refuse("the schema at " + path + " must be an object or a boolean, not " + node, null, path);
    }
    JsonObject o = node.getAsJsonObject();
    for (String key : o.keySet()) {
      if (!KEYWORDS.contains(key) && !ANNOTATIONS.contains(key)) {
        String at = child(path, key);
        throw refuse("unsupported JSON Schema keyword '" + key + "' at " + at + " (supported: "
            + String.join(", ", KEYWORDS) + "; annotations such as title and description are ignored)", key, at);
      }
    }
    List<Automaton> parts = new ArrayList<>();
    if (o.has("$ref")) {
      parts.add(reference(o.get("$ref"), child(path, "$ref")));
    }
    if (o.has("enum")) {
      parts.add(enumeration(o.get("enum"), child(path, "enum")));
    }
    if (o.has("const")) {
      parts.add(Utf8.literal(JsonGrammar.serialize(o.get("const"))));
    }
    if (o.has("anyOf")) {
      parts.add(anyOf(o.get("anyOf"), child(path, "anyOf")));
    }
    Set<String> types = types(o, path);
    if (types != null) {
      List<Automaton> alternatives = new ArrayList<>();
      for (String t : types) {
        alternatives.add(typed(t, o, path));
      }
      parts.add(alternatives.size() == 1 ? alternatives.get(0) : JsonGrammar.union(alternatives));
    }
    if (parts.isEmpty()) {
      return json.anyValue(JsonGrammar.ANY_DEPTH);
    }
    // Composites (concatenations, unions) are nondeterministic until minimised; shared pieces and
    // literals are already deterministic, and minimising them again costs as much as the first time.
    Automaton a = deterministic(parts.get(0));
    for (int i = 1; i < parts.size(); i++) {
      a = a.intersection(deterministic(parts.get(i)));
      a.minimize();
    }
    if (a.isEmpty()) {
      throw refuse("the schema at " + path + " allows no value (its keywords contradict each other)", null, path);
    }
    return a;
  }

  /** The declared types, or those implied by type-specific keywords; null when nothing says. */
  private Set<String> types(JsonObject o, String path) {
    Set<String> types = new LinkedHashSet<>();
    if (o.has("type")) {
      JsonElement t = o.get("type");
      String at = child(path, "type");
      List<JsonElement> names = new ArrayList<>();
      if (t.isJsonArray()) {
        t.getAsJsonArray().forEach(names::add);
        if (names.isEmpty()) {
          throw refuse("type at " + at + " is an empty list", "type", at);
        }
      } else {
        names.add(t);
      }
      for (JsonElement n : names) {
        if (!(n.isJsonPrimitive() && n.getAsJsonPrimitive().isString() && TYPES.contains(n.getAsString()))) {
          throw refuse("type at " + at + " must be one of " + TYPES + " or a list of them, not " + n, "type", at);
        }
        types.add(n.getAsString());
      }
      return types;
    }
    for (String key : o.keySet()) {
      if (OBJECT_KEYWORDS.contains(key)) {
        types.add("object");
      } else if (ARRAY_KEYWORDS.contains(key)) {
        types.add("array");
      } else if (STRING_KEYWORDS.contains(key)) {
        types.add("string");
      }
    }
    return types.isEmpty() ? null : types;
  }

  private Automaton typed(String type, JsonObject o, String path) {
    return switch (type) {
      case "string" -> string(o, path);
      case "number" -> json.number();
      case "integer" -> json.integer();
      case "boolean" -> json.bool();
      case "null" -> json.nul();
      case "array" -> array(o, path);
      case "object" -> object(o, path);
      default -> throw new IllegalStateException(type);
    };
  }

  private Automaton string(JsonObject o, String path) {
    int min = bound(o, "minLength", path, 0);
    int max = bound(o, "maxLength", path, -1);
    if (max >= 0 && max < min) {
      throw refuse("maxLength " + max + " < minLength " + min + " at " + path, "maxLength", child(path, "maxLength"));
    }
    Automaton content = JsonGrammar.characters(min, max);
    if (o.has("pattern")) {
      String at = child(path, "pattern");
      JsonElement p = o.get("pattern");
      if (!(p.isJsonPrimitive() && p.getAsJsonPrimitive().isString())) {
        throw refuse("pattern at " + at + " must be a string", "pattern", at);
      }
      try {
        content = content.intersection(RegexCompiler.search(p.getAsString()));
      } catch (ResponseFormatException e) {
        throw refuse("pattern at " + at + ": " + e.getMessage(), "pattern", at);
      }
    }
    if (o.has("format")) {
      String at = child(path, "format");
      JsonElement f = o.get("format");
      Automaton format = f.isJsonPrimitive() && f.getAsJsonPrimitive().isString() ? StringFormats.of(f.getAsString()) : null;
      if (format == null) {
        throw refuse("format " + f + " at " + at + " is not supported (supported: " + String.join(", ", StringFormats.NAMES)
            + ")", "format", at);
      }
      content = content.intersection(format);
    }
    content.minimize();
    return json.string(content);
  }

  private Automaton array(JsonObject o, String path) {
    int min = bound(o, "minItems", path, 0);
    int max = bound(o, "maxItems", path, -1);
    if (max >= 0 && max < min) {
      throw refuse("maxItems " + max + " < minItems " + min + " at " + path, "maxItems", child(path, "maxItems"));
    }
    Automaton item;
    if (o.has("items")) {
      String at = child(path, "items");
      if (o.get("items").isJsonArray()) {
        throw refuse("items at " + at + " is a list (tuple validation); give one schema for every item", "items", at);
      }
      item = compile(o.get("items"), at);
    } else {
      item = json.anyValue(JsonGrammar.ANY_DEPTH - 1);
    }
    return json.array(item, min, max);
  }

  private Automaton object(JsonObject o, String path) {
    boolean closed = false;
    if (o.has("additionalProperties")) {
      String at = child(path, "additionalProperties");
      JsonElement ap = o.get("additionalProperties");
      if (!(ap.isJsonPrimitive() && ap.getAsJsonPrimitive().isBoolean())) {
        throw refuse("additionalProperties at " + at + " must be true or false (a schema for extra members is not"
            + " supported)", "additionalProperties", at);
      }
      closed = !ap.getAsBoolean();
    }
    List<String> required = new ArrayList<>();
    if (o.has("required")) {
      String at = child(path, "required");
      JsonElement r = o.get("required");
      if (!r.isJsonArray()) {
        throw refuse("required at " + at + " must be a list of names", "required", at);
      }
      Set<String> seen = new HashSet<>();
      for (JsonElement name : r.getAsJsonArray()) {
        if (!(name.isJsonPrimitive() && name.getAsJsonPrimitive().isString()) || !seen.add(name.getAsString())) {
          throw refuse("required at " + at + " must be a list of distinct names, found " + name, "required", at);
        }
        required.add(name.getAsString());
      }
    }
    JsonObject properties = new JsonObject();
    if (o.has("properties")) {
      String at = child(path, "properties");
      if (!o.get("properties").isJsonObject()) {
        throw refuse("properties at " + at + " must be an object", "properties", at);
      }
      properties = o.getAsJsonObject("properties");
    } else if (!closed) {
      if (!required.isEmpty()) {
        String at = child(path, "required");
        throw refuse("required at " + at + " names " + required + ", which properties does not define", "required", at);
      }
      return json.anyObject(JsonGrammar.ANY_DEPTH);
    }
    for (String name : required) {
      if (!properties.has(name)) {
        String at = child(path, "required");
        throw refuse("required at " + at + " names '" + name + "', which properties does not define (only declared"
            + " members are generated)", "required", at);
      }
    }
    List<Automaton> members = new ArrayList<>();
    boolean[] isRequired = new boolean[properties.size()];
    int i = 0;
    for (Map.Entry<String, JsonElement> e : properties.entrySet()) {
      String at = child(child(path, "properties"), e.getKey());
      members.add(json.member(e.getKey(), compile(e.getValue(), at)));
      isRequired[i++] = required.contains(e.getKey());
    }
    return json.object(members, isRequired);
  }

  private Automaton enumeration(JsonElement values, String at) {
    if (!values.isJsonArray() || values.getAsJsonArray().isEmpty()) {
      throw refuse("enum at " + at + " must be a non-empty list", "enum", at);
    }
    List<Automaton> literals = new ArrayList<>();
    for (JsonElement v : values.getAsJsonArray()) {
      literals.add(Utf8.literal(JsonGrammar.serialize(v)));
    }
    return JsonGrammar.union(literals);
  }

  private Automaton anyOf(JsonElement branches, String at) {
    if (!branches.isJsonArray() || branches.getAsJsonArray().isEmpty()) {
      throw refuse("anyOf at " + at + " must be a non-empty list of schemas", "anyOf", at);
    }
    JsonArray list = branches.getAsJsonArray();
    List<Automaton> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      out.add(compile(list.get(i), at + "/" + i));
    }
    return JsonGrammar.union(out);
  }

  private Automaton reference(JsonElement ref, String at) {
    if (!(ref.isJsonPrimitive() && ref.getAsJsonPrimitive().isString()) || !ref.getAsString().startsWith("#")) {
      throw refuse("$ref at " + at + " must be a local reference such as \"#/$defs/Name\", not " + ref, "$ref", at);
    }
    String target = ref.getAsString();
    if (resolving.contains(target)) {
      throw refuse("$ref " + target + " at " + at + " is recursive (a recursive schema is not a regular language)",
          "$ref", at);
    }
    Automaton done = resolved.get(target);
    if (done != null) {
      return done.clone();
    }
    JsonElement node = root;
    if (!target.equals("#")) {
      if (!target.startsWith("#/")) {
        throw refuse("$ref " + target + " at " + at + " is not a JSON Pointer (\"#/$defs/Name\"); anchors are not"
            + " supported", "$ref", at);
      }
      for (String raw : target.substring(2).split("/", -1)) {
        String token = java.net.URLDecoder.decode(raw.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8)
            .replace("~1", "/").replace("~0", "~");
        node = node.isJsonObject() ? node.getAsJsonObject().get(token)
            : node.isJsonArray() && token.matches("\\d+") && Integer.parseInt(token) < node.getAsJsonArray().size()
                ? node.getAsJsonArray().get(Integer.parseInt(token)) : null;
        if (node == null) {
          throw refuse("$ref " + target + " at " + at + " points to nothing", "$ref", at);
        }
      }
    }
    resolving.push(target);
    Automaton a = compile(node, target);
    resolving.pop();
    resolved.put(target, a);
    return a.clone();
  }

  private static Automaton deterministic(Automaton a) {
    if (!a.isDeterministic()) {
      a.minimize();
    }
    return a;
  }

  /** A non-negative integer keyword, or {@code absent} when missing. */
  private static int bound(JsonObject o, String key, String path, int absent) {
    if (!o.has(key)) {
      return absent;
    }
    String at = child(path, key);
    JsonElement v = o.get(key);
    BigDecimal n;
    try {
      n = v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber() ? v.getAsBigDecimal() : null;
    } catch (NumberFormatException e) {
      n = null;
    }
    if (n == null || n.signum() < 0 || n.stripTrailingZeros().scale() > 0) {
      throw refuse(key + " at " + at + " must be a non-negative integer, not " + v, key, at);
    }
    if (n.compareTo(BigDecimal.valueOf(MAX_BOUND)) > 0) {
      throw refuse(key + " at " + at + " is " + n + "; at most " + MAX_BOUND + " is supported", key, at);
    }
    return n.intValueExact();
  }

  private static String child(String path, String key) {
    return path + "/" + key.replace("~", "~0").replace("/", "~1");
  }

  private static ResponseFormatException refuse(String message, String keyword, String path) {
    return new ResponseFormatException("JSON Schema: " + message, keyword, path);
  }

  /** Whether {@code v} is a JSON string. */
  static boolean isString(JsonElement v) {
    return v instanceof JsonPrimitive p && p.isString();
  }
}
