package dev.sparkgen.model.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a {@code tokenizer.json} that decide how a text is cut before the model sees it: the
 * added tokens and the normalizer, pre-tokenizer, post-processor and model types (Hugging Face
 * {@code tokenizers}' serialisation, {@code tokenizer/serialization.rs}). Read with a streaming
 * parser that skips the vocabulary and merges (a Llama 3 file is 9 MB, nearly all of it those), so
 * reading it costs milliseconds beside the native load. The file has already been accepted by the
 * native tokenizer when this runs; a part missing here is simply absent ({@code null}).
 *
 * @param addedTokens {@code added_tokens}, in file order
 * @param normalizer {@code normalizer} ({@link JsonNull} when absent)
 * @param preTokenizer {@code pre_tokenizer} ({@link JsonNull} when absent)
 * @param postProcessor {@code post_processor} ({@link JsonNull} when absent)
 * @param modelType {@code model.type} ({@code BPE}, {@code Unigram}, {@code WordPiece}, {@code WordLevel};
 *     older BPE files omit it: {@code null})
 * @param modelDropout {@code model.dropout} is set (BPE dropout: random merges)
 */
public record TokenizerJson(List<AddedToken> addedTokens, JsonElement normalizer, JsonElement preTokenizer,
    JsonElement postProcessor, String modelType, boolean modelDropout) {

  /**
   * One entry of {@code added_tokens} (Hugging Face {@code AddedToken} with its id).
   *
   * @param normalized matched against the normalized text (false: against the raw input, before
   *     any normalizer)
   * @param lstrip, rstrip the match takes the whitespace on its left / right with it
   * @param singleWord matched only when not inside a word
   */
  public record AddedToken(int id, String content, boolean special, boolean normalized, boolean lstrip,
      boolean rstrip, boolean singleWord) {}

  /** Reads the parts above from {@code file}; an unreadable file or malformed JSON names the file. */
  public static TokenizerJson read(Path file) {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        JsonReader r = new JsonReader(in)) {
      List<AddedToken> added = new ArrayList<>();
      JsonElement normalizer = JsonNull.INSTANCE;
      JsonElement preTokenizer = JsonNull.INSTANCE;
      JsonElement postProcessor = JsonNull.INSTANCE;
      String modelType = null;
      boolean dropout = false;
      r.beginObject();
      while (r.hasNext()) {
        switch (r.nextName()) {
          case "added_tokens" -> {
            JsonElement list = JsonParser.parseReader(r);
            if (list.isJsonArray()) {
              for (JsonElement e : list.getAsJsonArray()) {
                added.add(addedToken(e.getAsJsonObject()));
              }
            }
          }
          case "normalizer" -> normalizer = JsonParser.parseReader(r);
          case "pre_tokenizer" -> preTokenizer = JsonParser.parseReader(r);
          case "post_processor" -> postProcessor = JsonParser.parseReader(r);
          case "model" -> {
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
              r.skipValue();
              break;
            }
            r.beginObject();
            while (r.hasNext()) {
              switch (r.nextName()) {
                case "type" -> modelType = r.peek() == JsonToken.STRING ? r.nextString() : skip(r);
                case "dropout" -> {
                  JsonElement d = JsonParser.parseReader(r);
                  dropout = !d.isJsonNull();
                }
                default -> r.skipValue(); // vocab, merges: the bulk of the file
              }
            }
            r.endObject();
          }
          default -> r.skipValue();
        }
      }
      r.endObject();
      return new TokenizerJson(List.copyOf(added), normalizer, preTokenizer, postProcessor, modelType, dropout);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  private static String skip(JsonReader r) throws IOException {
    r.skipValue();
    return null;
  }

  // tokenizers' serde requires every field of an added token; the native load has checked them.
  private static AddedToken addedToken(JsonObject o) {
    return new AddedToken(o.get("id").getAsInt(), o.get("content").getAsString(), o.get("special").getAsBoolean(),
        o.get("normalized").getAsBoolean(), o.get("lstrip").getAsBoolean(), o.get("rstrip").getAsBoolean(),
        o.get("single_word").getAsBoolean());
  }

  /** The {@code type} of a component object, {@code null} for JSON null or a typeless value. */
  static String type(JsonElement component) {
    if (component == null || !component.isJsonObject()) {
      return null;
    }
    JsonElement t = component.getAsJsonObject().get("type");
    return t != null && t.isJsonPrimitive() ? t.getAsString() : null;
  }
}
