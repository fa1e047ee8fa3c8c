package dev.sparkgen.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The golden checkpoints from an independent implementation of Hugging Face semantics (test resources). */
public record Golden(String name, Path dir, JsonObject json) {
  public static final List<String> NAMES = List.of("gpt2-tiny", "gpt2-bf16-prefixed", "llama-gqa", "llama-mqa-tied-f16",
      "llama3-rope", "llama-yarn", "llama-linear", "llama-ropeparams-v5", "qwen2-tiny", "qwen3-tiny", "mistral-swa",
      "gemma-tiny", "gemma2-tiny", "phi3-longrope", "phi3-longrope-long");

  /** Loads one golden folder from test resources. */
  public static Golden load(String name) {
    try {
      Path dir = Path.of(Golden.class.getResource("/golden/" + name).toURI());
      JsonObject json = JsonParser.parseString(Files.readString(dir.resolve("golden.json"))).getAsJsonObject();
      return new Golden(name, dir, json);
    } catch (IOException | URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The prompts, as token ids. */
  public List<int[]> prompts() {
    List<int[]> out = new ArrayList<>();
    for (JsonElement p : json.getAsJsonArray("prompts")) {
      out.add(ints(p.getAsJsonArray()));
    }
    return out;
  }

  /** The golden case of that name. */
  public JsonObject testCase(String caseName) {
    for (JsonElement c : json.getAsJsonArray("cases")) {
      if (c.getAsJsonObject().get("name").getAsString().equals(caseName)) {
        return c.getAsJsonObject();
      }
    }
    throw new IllegalArgumentException("no case " + caseName + " in " + name);
  }

  /** Every case's name. */
  public List<String> caseNames() {
    List<String> out = new ArrayList<>();
    for (JsonElement c : json.getAsJsonArray("cases")) {
      out.add(c.getAsJsonObject().get("name").getAsString());
    }
    return out;
  }

  public static int[] ints(JsonArray a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsInt();
    }
    return out;
  }

  public static float[] floats(JsonArray a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonElement e = a.get(i);
      out[i] = e.isJsonNull() ? Float.NEGATIVE_INFINITY : parseFloat(e);
    }
    return out;
  }

  private static float parseFloat(JsonElement e) {
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
      String s = e.getAsString();
      return switch (s) {
        case "-inf", "-Infinity" -> Float.NEGATIVE_INFINITY;
        case "inf", "Infinity" -> Float.POSITIVE_INFINITY;
        case "nan", "NaN" -> Float.NaN;
        default -> Float.parseFloat(s);
      };
    }
    return e.getAsFloat();
  }
}
