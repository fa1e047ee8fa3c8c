package dev.sparkgen.model.generate.constraint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bytes each token adds to the decoded text, read from a Hugging Face {@code tokenizer.json}
 * the way its decoder turns tokens into text (tokenizers' {@code decoders} module):
 *
 * <ul>
 *   <li>{@code ByteLevel} (GPT-2 and most BPE models): each character of the token maps back to
 *       one byte through GPT-2's bytes-to-unicode table (a token with a character outside it is
 *       taken as its UTF-8 text, as the decoder does);
 *   <li>{@code Metaspace}: {@code ▁} is a space;
 *   <li>a {@code Sequence} of {@code Replace} (a literal string), {@code ByteFallback} ({@code
 *       <0x0A>} is the byte 0x0A), {@code Fuse}, {@code Strip} of leading spaces after Fuse,
 *       {@code ByteLevel} and {@code Metaspace} (the Llama/Mistral/Gemma form).
 * </ul>
 *
 * <p>These are the bytes of a token inside a text. What decoders do to a text's first token
 * (Metaspace drops its {@code ▁}, Strip a leading space) touches the prompt only: generated text is
 * the continuation of the prompt ({@code decode(prompt + generated)} minus the decoded prompt).
 *
 * Special added tokens and tokens that decode to nothing get no bytes (null): a response format
 * never lets a row produce them. Other decoders (none at all, WordPiece, regex replacements) are
 * refused with the decoder's name: their text is not a concatenation of per-token bytes.
 *
 * @param bytes per token id, the bytes it decodes to; null for special or empty tokens
 */
record TokenBytes(byte[][] bytes) {
  private static final Pattern BYTE_TOKEN = Pattern.compile("<0x([0-9A-Fa-f]{2})>");

  /** Reads {@code file} (a tokenizer.json); errors name it. */
  static TokenBytes read(Path file) {
    JsonObject root;
    try {
      root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
    }
    try {
      return of(root);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  /** From a parsed tokenizer.json. */
  static TokenBytes of(JsonObject root) {
    Map<Integer, String> pieces = new HashMap<>();
    JsonObject model = root.getAsJsonObject("model");
    JsonElement vocab = model == null ? null : model.get("vocab");
    if (vocab == null) {
      throw new IllegalArgumentException("no model.vocab");
    }
    if (vocab.isJsonObject()) { // BPE, WordPiece, WordLevel: token -> id
      vocab.getAsJsonObject().entrySet().forEach(e -> pieces.put(e.getValue().getAsInt(), e.getKey()));
    } else { // Unigram: [[piece, score], ...], id = position
      JsonArray list = vocab.getAsJsonArray();
      for (int i = 0; i < list.size(); i++) {
        pieces.put(i, list.get(i).getAsJsonArray().get(0).getAsString());
      }
    }
    Map<Integer, Boolean> special = new HashMap<>();
    if (root.has("added_tokens") && root.get("added_tokens").isJsonArray()) {
      for (JsonElement t : root.getAsJsonArray("added_tokens")) {
        JsonObject o = t.getAsJsonObject();
        int id = o.get("id").getAsInt();
        pieces.put(id, o.get("content").getAsString());
        special.put(id, o.has("special") && o.get("special").getAsBoolean());
      }
    }
    Decoder decoder = Decoder.of(root.get("decoder"));
    int size = pieces.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    byte[][] bytes = new byte[size][];
    for (Map.Entry<Integer, String> e : pieces.entrySet()) {
      if (!special.getOrDefault(e.getKey(), false)) {
        byte[] b = decoder.bytes(e.getValue());
        bytes[e.getKey()] = b.length == 0 ? null : b;
      }
    }
    return new TokenBytes(bytes);
  }

  /** The per-token steps of a decoder. */
  private static final class Decoder {
    private final List<JsonObject> steps;

    private Decoder(List<JsonObject> steps) {
      this.steps = steps;
    }

    static Decoder of(JsonElement decoder) {
      if (decoder == null || decoder.isJsonNull()) {
        throw new IllegalArgumentException("it has no decoder (its text joins tokens with spaces), so a response format"
            + " cannot follow its bytes");
      }
      JsonObject d = decoder.getAsJsonObject();
      List<JsonObject> steps = new ArrayList<>();
      if (type(d).equals("Sequence")) {
        d.getAsJsonArray("decoders").forEach(x -> steps.add(x.getAsJsonObject()));
      } else {
        steps.add(d);
      }
      boolean fused = false;
      List<JsonObject> perToken = new ArrayList<>();
      for (JsonObject s : steps) {
        switch (type(s)) {
          case "ByteLevel", "ByteFallback" -> perToken.add(s);
          case "Replace" -> {
            JsonObject pattern = s.getAsJsonObject("pattern");
            if (pattern == null || !pattern.has("String")) {
              throw unsupported("Replace with a regex pattern");
            }
            perToken.add(s);
          }
          case "Metaspace" -> perToken.add(s);
          case "Fuse" -> fused = true;
          case "Strip" -> { // after Fuse it cuts the start of the whole text: the prompt's, not the continuation's
            int stop = s.has("stop") ? s.get("stop").getAsInt() : 0;
            if (!fused || stop != 0) {
              throw unsupported("Strip of a token's end, or before Fuse");
            }
          }
          default -> throw unsupported(type(s));
        }
      }
      return new Decoder(perToken);
    }

    /** The bytes of one token inside a text. */
    byte[] bytes(String token) {
      String text = token;
      for (JsonObject s : steps) {
        switch (type(s)) {
          case "Replace" -> text = text.replace(s.getAsJsonObject("pattern").get("String").getAsString(),
              s.get("content").getAsString());
          case "Metaspace" -> {
            String replacement = s.has("replacement") ? s.get("replacement").getAsString() : "\u2581";
            text = text.replace(replacement, " ");
          }
          case "ByteFallback" -> {
            Matcher m = BYTE_TOKEN.matcher(text);
            if (m.matches()) {
              return new byte[] {(byte) Integer.parseInt(m.group(1), 16)};
            }
          }
          case "ByteLevel" -> {
            byte[] b = ByteLevel.decode(text);
            if (b != null) {
              return b;
            }
          }
          default -> throw new IllegalStateException(type(s));
        }
      }
      return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String type(JsonObject o) {
      return o.has("type") ? o.get("type").getAsString() : "?";
    }

    private static IllegalArgumentException unsupported(String what) {
      return new IllegalArgumentException("its decoder (" + what + ") is not supported by response formats (supported:"
          + " ByteLevel, Metaspace, or a Sequence of Replace, ByteFallback, Fuse and Strip)");
    }
  }

  /** GPT-2's bytes-to-unicode table, inverted. */
  private static final class ByteLevel {
    private static final int[] BYTE_OF = new int[0x200]; // char -> byte + 1 (0 = not mapped)

    static {
      int n = 0;
      for (int b = 0; b < 256; b++) {
        boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        int c = printable ? b : 256 + n++;
        BYTE_OF[c] = b + 1;
      }
    }

    /** The bytes of a byte-level token, or null when a character is outside the table. */
    static byte[] decode(String token) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
      for (int i = 0; i < token.length(); i++) {
        char c = token.charAt(i);
        if (c >= BYTE_OF.length || BYTE_OF[c] == 0) {
          return null;
        }
        out.write(BYTE_OF[c] - 1);
      }
      return out.toByteArray();
    }
  }
}
