package dev.sparkgen.model.generate.constraint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every text of a schema's language validates (networknt), for many schemas; refusals name keyword and path. */
class SchemaCompilerTest {
  static final String PERSON = """
      {"type": "object", "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 12},
        "age": {"type": "integer"},
        "email": {"type": "string", "pattern": "^[a-z]+@[a-z]+\\\\.(com|org)$"},
        "born": {"type": "string", "format": "date"},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 5}, "minItems": 1, "maxItems": 3},
        "active": {"type": "boolean"}},
       "required": ["name", "age", "email", "born", "tags", "active"], "additionalProperties": false}""";

  static final List<String> SCHEMAS = List.of(
      PERSON,
      """
      {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": ["string", "null"]},
        "c": {"enum": ["x", 1, null, {"k": [true]}]}, "d": {"const": "fixed\\n\\"q\\""}}, "required": ["b"]}""",
      """
      {"$defs": {"point": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
         "required": ["x", "y"]}},
       "type": "object", "properties": {"from": {"$ref": "#/$defs/point"}, "to": {"$ref": "#/$defs/point"},
         "kind": {"anyOf": [{"type": "string", "enum": ["line", "arrow"]}, {"type": "null"}]}},
       "required": ["from", "to"]}""",
      """
      {"type": "array", "items": {"type": "string", "format": "uuid"}, "maxItems": 2}""",
      """
      {"type": "object", "properties": {"when": {"type": "string", "format": "date-time"},
        "note": {"type": "string", "pattern": "é+|中"}, "any": true, "obj": {"type": "object"}}}""",
      """
      {"title": "annotations only", "description": "any value", "$schema": "https://json-schema.org/draft/2020-12/schema"}""",
      """
      {"definitions": {"n": {"type": "integer"}}, "type": "array", "items": {"$ref": "#/definitions/n"}, "minItems": 2}""",
      """
      {"properties": {"x": {"minLength": 2, "maxLength": 3}}, "required": ["x"]}""");

  private static ByteDfa person;

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
  void everyTextOfTheLanguageValidates(int index) {
    String schema = SCHEMAS.get(index);
    SchemaValidation validator = SchemaValidation.of(schema);
    for (int ws : new int[] {0, 2}) {
      ByteDfa dfa = ByteDfa.of(ResponseFormat.parse("json_schema:" + schema).automaton(ws));
      for (byte[] b : DfaSamples.of(dfa, 150, 60, index * 31L + ws)) {
        String text = utf8(b);
        assertEquals(List.of(), validator.errors(text), () -> "schema " + index + ", whitespace " + ws + ": " + text);
      }
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"name\":\"Al\",\"age\":31,\"email\":\"al@x.org\",\"born\":\"2000-02-29\",\"tags\":[\"a\"],\"active\":true}|true",
      "{\"name\":\"Al\",\"age\":01,\"email\":\"al@x.org\",\"born\":\"2000-02-29\",\"tags\":[\"a\"],\"active\":true}|false",
      "{\"name\":\"Al\",\"age\":31,\"email\":\"al@x.org\",\"born\":\"1900-02-29\",\"tags\":[\"a\"],\"active\":true}|false",
      "{\"age\":31,\"name\":\"Al\",\"email\":\"al@x.org\",\"born\":\"2000-02-29\",\"tags\":[\"a\"],\"active\":true}|false",
      "{\"name\":\"Al\",\"age\":31,\"email\":\"al@x.org\",\"born\":\"2000-02-29\",\"tags\":[],\"active\":true}|false",
      "{\"name\":\"\",\"age\":31,\"email\":\"al@x.org\",\"born\":\"2000-02-29\",\"tags\":[\"a\"],\"active\":true}|false",
      "{\"name\":\"Al\",\"age\":31,\"email\":\"al@x.org\",\"born\":\"2000-02-29\",\"tags\":[\"a\"]}|false",
      "{\"name\":\"A\\\"l\",\"age\":0,\"email\":\"al@x.com\",\"born\":\"2024-12-31\",\"tags\":[\"a\",\"b\",\"\"],\"active\":false}|true"})
  void acceptsCanonicalValidTextsInSchemaOrder(String text, boolean expected) {
    if (person == null) {
      person = ByteDfa.of(ResponseFormat.parse("json_schema:" + PERSON).automaton(0));
    }
    ByteDfa dfa = person;
    assertEquals(expected, dfa.matches(text.getBytes(StandardCharsets.UTF_8)), text);
    if (expected) {
      assertEquals(List.of(), SchemaValidation.of(PERSON).errors(text));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3})
  void whitespaceIsBoundedByTheKey(int ws) {
    ByteDfa dfa = ByteDfa.of(ResponseFormat.parse("json_schema:{\"type\":\"array\",\"items\":{\"type\":\"boolean\"}}")
        .automaton(ws));
    assertTrue(dfa.matches(("[" + " ".repeat(ws) + "true" + "\n".repeat(ws) + "," + "\t".repeat(ws) + "false]").getBytes()));
    assertFalse(dfa.matches(("[" + " ".repeat(ws + 1) + "true]").getBytes()));
    assertFalse(dfa.matches(" [true]".getBytes()), "no whitespace before the value");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"type\":\"object\",\"properties\":{\"age\":{\"type\":\"integer\",\"minimum\":0}}}|minimum|#/properties/age/minimum",
      "{\"type\":\"string\",\"format\":\"email\"}|format|#/format",
      "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}|additionalProperties|#/additionalProperties",
      "{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]}|items|#/items",
      "{\"$defs\":{\"t\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/t\"}}},\"$ref\":\"#/$defs/t\"}|$ref|#/$defs/t/items/$ref",
      "{\"type\":\"object\",\"properties\":{\"a\":{}},\"required\":[\"b\"]}|required|#/required",
      "{\"anyOf\":[{\"type\":\"string\"},{\"oneOf\":[]}]}|oneOf|#/anyOf/1/oneOf",
      "{\"type\":\"string\",\"pattern\":\"(a)\\\\1\"}|pattern|#/pattern",
      "{\"type\":\"strin\"}|type|#/type",
      "{\"properties\":{\"a/b\":{\"not\":{}}}}|not|#/properties/a~1b/not",
      "{\"type\":\"string\",\"maxLength\":1.5}|maxLength|#/maxLength",
      "{\"$ref\":\"https://example.com/s.json\"}|$ref|#/$ref"})
  void refusalsNameTheKeywordAndItsPath(String schema, String keyword, String path) {
    ResponseFormatException e = assertThrows(ResponseFormatException.class,
        () -> ResponseFormat.parse("json_schema:" + schema).check(0));
    assertEquals(keyword, e.keyword(), e.getMessage());
    assertEquals(path, e.path(), e.getMessage());
    assertTrue(e.getMessage().contains(path) && e.getMessage().contains(keyword), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"type\":\"string\",\"minLength\":3,\"maxLength\":2}", "{\"enum\":[1,2],\"type\":\"string\"}",
      "false"})
  void schemasWithNoValueAreRefused(String schema) {
    ResponseFormatException e = assertThrows(ResponseFormatException.class,
        () -> ResponseFormat.parse("json_schema:" + schema).check(0));
    assertTrue(e.getMessage().contains("no value") || e.getMessage().contains("maxLength"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"type\":\"object\"", "{'type':'object'}", "{} {}"})
  void malformedSchemaJsonIsRefused(String schema) {
    ResponseFormatException e = assertThrows(ResponseFormatException.class, () -> ResponseFormat.parse("json_schema:" + schema));
    assertTrue(e.getMessage().contains("JSON"), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void jsonFormatIsAnyObjectNestingAtMostTheDepthBound() {
    ByteDfa dfa = ByteDfa.of(ResponseFormat.parse("json").automaton(0));
    SchemaValidation object = SchemaValidation.of("{\"type\":\"object\"}");
    for (byte[] b : DfaSamples.of(dfa, 300, 80, 5)) {
      String text = utf8(b);
      assertEquals(List.of(), object.errors(text), text);
      assertTrue(depth(JsonParser.parseString(text)) <= JsonGrammar.ANY_DEPTH, text);
    }
    assertTrue(dfa.matches("{\"a\":[{\"b\":[1]}]}".getBytes()));
    assertFalse(dfa.matches("{\"a\":[{\"b\":[[1]]}]}".getBytes()), "depth 5 is beyond the bound");
    assertFalse(dfa.matches("[1]".getBytes()), "json means an object");
  }

  private static int depth(JsonElement e) {
    int d = 0;
    if (e.isJsonObject()) {
      for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
        d = Math.max(d, depth(m.getValue()));
      }
      return d + 1;
    }
    if (e.isJsonArray()) {
      for (JsonElement x : e.getAsJsonArray()) {
        d = Math.max(d, depth(x));
      }
      return d + 1;
    }
    return 0;
  }

  /** Strict UTF-8 decoding: the automata only spell valid UTF-8. */
  static String utf8(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw new AssertionError("not valid UTF-8: " + new ArrayList<>(List.of(b)), e);
    }
  }
}
