package dev.sparkgen.model.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses JSON text strictly (RFC 8259: no comments, no single quotes, no {@code NaN}) into a tree
 * whose numbers keep their exact decimal value ({@link BigDecimal}), bounded in size and depth, so
 * that a hostile file fails with one line instead of a stack overflow or an out-of-memory error.
 * Gson's streaming reader does the tokenising; its messages are reworded without its class names or
 * troubleshooting links. A key that appears twice keeps its last value, as Python's {@code json}
 * (which wrote most of these files) does.
 */
public final class JsonFile {
  /** Deeper nesting is refused; Hugging Face configs nest 3 levels, tokenizer files about 8. */
  public static final int MAX_DEPTH = 100;
  /** Default size limit: tokenizer.json of large vocabularies is 10-35 MB. */
  public static final long DEFAULT_MAX_BYTES = 64L << 20;

  private static final Pattern LOCATION = Pattern.compile(" at line (\\d+) column (\\d+)");

  private JsonFile() {}

  /** Reads {@code file}, which must hold a JSON object of at most {@link #DEFAULT_MAX_BYTES}. */
  public static JsonFields readObject(Path file) {
    return readObject(file, DEFAULT_MAX_BYTES);
  }

  /** Reads {@code file}, which must hold a JSON object of at most {@code maxBytes} bytes. */
  public static JsonFields readObject(Path file, long maxBytes) {
    String source = file.toString();
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > maxBytes) {
        throw new JsonValueException(source + ": " + size + " bytes is more than the limit of " + maxBytes
            + " bytes for this file");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new JsonValueException(source + ": file does not exist", e);
    } catch (IOException e) {
      throw new JsonValueException(source + ": cannot read: " + e.getMessage(), e);
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new JsonValueException(source + ": not valid JSON: the file is not UTF-8 text", e);
    }
    return parseObject(text, source);
  }

  /** Parses {@code text} (named {@code source} in messages), which must be one JSON object. */
  public static JsonFields parseObject(String text, String source) {
    JsonElement root = parse(text, source);
    if (!root.isJsonObject()) {
      throw new JsonValueException(source + ": expected a JSON object ({...}) at the top level, got " + kind(root));
    }
    return new JsonFields(source, "", root.getAsJsonObject());
  }

  /** Parses {@code text} (named {@code source} in messages) into a tree of at most {@link #MAX_DEPTH} levels. */
  public static JsonElement parse(String text, String source) {
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1); // a byte order mark, as some editors on Windows write
    }
    if (text.isBlank()) {
      throw new JsonValueException(source + ": not valid JSON: the file is empty");
    }
    JsonReader reader = new JsonReader(new StringReader(text));
    reader.setLenient(false);
    try {
      JsonElement root = value(reader, source, 1);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new JsonValueException(source + ": not valid JSON: more text after the end of the value" + location(reader));
      }
      return root;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      // MalformedJsonException, EOFException and Gson's other parse failures
      throw new JsonValueException(source + ": not valid JSON: " + reason(e), e);
    } catch (StackOverflowError e) {
      throw new JsonValueException(source + ": not valid JSON: nested too deeply", null);
    }
  }

  private static JsonElement value(JsonReader r, String source, int depth) throws IOException {
    switch (r.peek()) {
      case BEGIN_OBJECT -> {
        checkDepth(r, source, depth);
        JsonObject o = new JsonObject();
        r.beginObject();
        while (r.hasNext()) {
          String name = r.nextName();
          o.add(name, value(r, source, depth + 1));
        }
        r.endObject();
        return o;
      }
      case BEGIN_ARRAY -> {
        checkDepth(r, source, depth);
        JsonArray a = new JsonArray();
        r.beginArray();
        while (r.hasNext()) {
          a.add(value(r, source, depth + 1));
        }
        r.endArray();
        return a;
      }
      case STRING -> {
        return new JsonPrimitive(r.nextString());
      }
      case NUMBER -> {
        String literal = r.nextString();
        try {
          return new JsonPrimitive(new BigDecimal(literal));
        } catch (NumberFormatException e) { // an exponent beyond +-2^31
          String shown = literal.length() <= 40 ? literal : literal.substring(0, 40) + "...";
          throw new JsonValueException(source + ": number " + shown + " is out of range" + location(r), e);
        }
      }
      case BOOLEAN -> {
        return new JsonPrimitive(r.nextBoolean());
      }
      case NULL -> {
        r.nextNull();
        return JsonNull.INSTANCE;
      }
      default -> throw new JsonValueException(source + ": not valid JSON: unexpected " + r.peek() + location(r));
    }
  }

  private static void checkDepth(JsonReader r, String source, int depth) {
    if (depth > MAX_DEPTH) {
      throw new JsonValueException(source + ": not valid JSON: nested more than " + MAX_DEPTH + " levels deep"
          + location(r));
    }
  }

  /** " at line L column C" of the reader's position, or "". */
  private static String location(JsonReader r) {
    Matcher m = LOCATION.matcher(r.toString());
    return m.find() ? m.group() : "";
  }

  /** Gson's message without its advice on Gson's own API and without the troubleshooting link. */
  static String reason(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int cut = m.indexOf("\nSee ");
    if (cut >= 0) {
      m = m.substring(0, cut);
    }
    cut = m.indexOf(" See https://");
    if (cut >= 0) {
      m = m.substring(0, cut);
    }
    Matcher at = LOCATION.matcher(m);
    String where = at.find() ? m.substring(at.start()) : "";
    String what = at.find(0) ? m.substring(0, at.start()) : m;
    if (what.contains("setStrictness") || what.contains("setLenient")) {
      what = "malformed JSON (comments, single quotes, unquoted names, NaN and trailing commas are not JSON)";
    }
    if (where.length() > 100) {
      where = where.substring(0, 100) + "...";
    }
    return what.strip() + where;
  }

  /** "an array", "a string", ... for messages. */
  static String kind(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return "null";
    }
    if (e.isJsonObject()) {
      return "an object";
    }
    if (e.isJsonArray()) {
      return "an array";
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    return p.isBoolean() ? "a boolean" : p.isNumber() ? "a number" : "a string";
  }
}
