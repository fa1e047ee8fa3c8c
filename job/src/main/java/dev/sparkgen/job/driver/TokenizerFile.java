package dev.sparkgen.job.driver;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.model.json.JsonFields;
import dev.sparkgen.model.json.JsonFile;
import dev.sparkgen.model.json.JsonValueException;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A tokenizer.json checked on the driver: it loads, and its vocabulary size is known (the largest
 * id in {@code model.vocab} and {@code added_tokens}, plus one).
 */
public record TokenizerFile(Path path, byte[] bytes, String sha256, int vocabSize) {

  /**
   * Finds {@code tokenizer.json} (a file or a folder holding one), checks it as JSON (strict,
   * bounded depth and size, so a hostile file fails in one line naming file and key), loads it once
   * with the tokenizers library, and reads its ids.
   */
  public static TokenizerFile load(Path pathOrFolder) {
    Path file = Files.isDirectory(pathOrFolder) ? pathOrFolder.resolve("tokenizer.json") : pathOrFolder;
    if (!Files.isRegularFile(file)) {
      throw new SetupException("tokenizer " + file + ": no such file");
    }
    int vocabSize;
    try {
      vocabSize = vocabSize(JsonFile.readObject(file));
    } catch (JsonValueException e) {
      throw new SetupException("tokenizer " + e.getMessage(), e);
    }
    try (Tokenizer ignored = Tokenizer.load(file)) {
      byte[] bytes = Files.readAllBytes(file);
      return new TokenizerFile(file, bytes, sha256(bytes), vocabSize);
    } catch (IOException e) {
      throw new SetupException("tokenizer " + file + ": cannot read: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new SetupException("tokenizer " + file + ": cannot load: " + e.getMessage(), e);
    }
  }

  /** The largest id in {@code model.vocab} (or the length of a Unigram list) and {@code added_tokens}, plus one. */
  private static int vocabSize(JsonFields root) {
    int max = -1;
    JsonFields model = root.optionalObject("model");
    JsonElement vocab = model == null ? null : model.raw("vocab");
    if (vocab != null && vocab.isJsonObject()) {
      JsonFields entries = model.optionalObject("vocab");
      for (String token : entries.keys()) {
        max = Math.max(max, entries.integer(token, 0, Integer.MAX_VALUE - 1));
      }
    } else if (vocab != null && vocab.isJsonArray()) { // Unigram: a list of [piece, score]
      max = vocab.getAsJsonArray().size() - 1;
    } else if (vocab != null) {
      throw model.error("vocab", "must be an object (token -> id) or an array, got " + model.show("vocab"));
    }
    JsonElement added = root.raw("added_tokens");
    if (added != null && !added.isJsonArray()) {
      throw root.error("added_tokens", "must be an array, got " + root.show("added_tokens"));
    }
    if (added != null) {
      JsonArray list = added.getAsJsonArray();
      for (int i = 0; i < list.size(); i++) {
        if (!list.get(i).isJsonObject()) {
          throw root.error("added_tokens[" + i + "]", "must be an object, got " + list.get(i));
        }
        JsonFields token = JsonFields.of(list.get(i).getAsJsonObject(), root.source() + " added_tokens[" + i + "]");
        max = Math.max(max, token.integer("id", 0, Integer.MAX_VALUE - 1));
      }
    }
    if (max < 0) {
      throw new JsonValueException(root.source() + ": no vocabulary found (model.vocab and added_tokens are empty)");
    }
    return max + 1;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
