package dev.sparkgen.job;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A tokenizer.json checked on the driver: it loads, and its vocabulary size is known (the largest
 * id in {@code model.vocab} and {@code added_tokens}, plus one).
 */
public record TokenizerFile(Path path, byte[] bytes, String sha256, int vocabSize) {

  /** Finds {@code tokenizer.json} (a file or a folder holding one), loads it once, and reads its ids. */
  public static TokenizerFile load(Path pathOrFolder) {
    Path file = Files.isDirectory(pathOrFolder) ? pathOrFolder.resolve("tokenizer.json") : pathOrFolder;
    if (!Files.isRegularFile(file)) {
      throw new SetupException("tokenizer " + file + ": no such file");
    }
    try (Tokenizer ignored = Tokenizer.load(file)) {
      byte[] bytes = Files.readAllBytes(file);
      return new TokenizerFile(file, bytes, sha256(bytes), vocabSize(file, bytes));
    } catch (IOException e) {
      throw new SetupException("tokenizer " + file + ": cannot read: " + e.getMessage(), e);
    } catch (SetupException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new SetupException("tokenizer " + file + ": cannot load: " + e.getMessage(), e);
    }
  }

  private static int vocabSize(Path file, byte[] bytes) {
    JsonObject root = JsonParser.parseString(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
    int max = -1;
    JsonElement model = root.get("model");
    if (model != null && model.isJsonObject() && model.getAsJsonObject().get("vocab") != null) {
      JsonElement vocab = model.getAsJsonObject().get("vocab");
      if (vocab.isJsonObject()) {
        for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
          max = Math.max(max, e.getValue().getAsInt());
        }
      } else if (vocab.isJsonArray()) { // Unigram: a list of [piece, score]
        max = vocab.getAsJsonArray().size() - 1;
      }
    }
    JsonElement added = root.get("added_tokens");
    if (added != null && added.isJsonArray()) {
      for (JsonElement t : added.getAsJsonArray()) {
        max = Math.max(max, t.getAsJsonObject().get("id").getAsInt());
      }
    }
    if (max < 0) {
      throw new SetupException("tokenizer " + file + ": no vocabulary found");
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
