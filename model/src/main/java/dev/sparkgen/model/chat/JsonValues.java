package dev.sparkgen.model.chat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON to the plain Java values templates are rendered with, as Python's {@code json.loads} gives
 * them: objects keep their key order (LinkedHashMap), integers are Long (BigDecimal beyond), other
 * numbers Double, and null stays null.
 */
public final class JsonValues {
  private JsonValues() {}

  /**
   * Parses one JSON value.
   *
   * @throws IllegalArgumentException when {@code json} is not valid JSON (the message says where)
   */
  public static Object parse(String json) {
    try {
      JsonReader reader = new JsonReader(new StringReader(json));
      reader.setStrictness(Strictness.STRICT);
      JsonElement element = JsonParser.parseReader(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new IllegalArgumentException("text after the JSON value at " + reader.getPath());
      }
      return of(element);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("invalid JSON: " + e.getMessage(), e);
    }
  }

  /** The value of a Gson tree. */
  public static Object of(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (e.isJsonArray()) {
      List<Object> list = new ArrayList<>(e.getAsJsonArray().size());
      e.getAsJsonArray().forEach(x -> list.add(of(x)));
      return list;
    }
    if (e.isJsonObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      e.getAsJsonObject().entrySet().forEach(x -> map.put(x.getKey(), of(x.getValue())));
      return map;
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    if (p.isBoolean()) {
      return p.getAsBoolean();
    }
    if (p.isNumber()) {
      String text = p.getAsString();
      if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
        BigInteger big = new BigInteger(text);
        return big.bitLength() < 64 ? (Object) big.longValue() : big;
      }
      return p.getAsDouble();
    }
    return p.getAsString();
  }
}
