package dev.sparkgen.model.generate;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import dev.sparkgen.model.json.JsonFields;
import dev.sparkgen.model.json.JsonFile;
import dev.sparkgen.model.json.JsonValueException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A model folder's generation settings as {@code transformers} loads them: Hugging Face's defaults,
 * overridden by config.json's eos_token_id and pad_token_id, then by the known keys of {@code
 * generation_config.json} (its {@code stop_strings} is read as {@code stop}); other keys there,
 * such as max_length, are ignored.
 */
public final class GenerationConfigFile {
  /** The generation_config.json of a model folder. */
  public static final String FILE = "generation_config.json";

  private GenerationConfigFile() {}

  /**
   * The settings of {@code modelDir} (defaults when it has neither file).
   *
   * @throws JsonValueException naming the file and key when a file is not JSON, a value has the wrong
   *     JSON type, or a value is out of range
   */
  public static GenerationConfig read(Path modelDir) {
    GenerationConfig config = GenerationConfig.defaults();
    Path modelConfig = modelDir.resolve("config.json");
    if (Files.isRegularFile(modelConfig)) {
      config = overlay(config, modelConfig, Set.of("eos_token_id", "pad_token_id"));
    }
    Path generationConfig = modelDir.resolve(FILE);
    if (Files.isRegularFile(generationConfig)) {
      config = overlay(config, generationConfig, Set.copyOf(GenerationKey.names()));
    }
    return config;
  }

  /**
   * Applies the keys of a JSON file that are in {@code keys} (null values skipped). The file is read
   * by {@link JsonFile} (strict, bounded), each value is checked for its JSON type here and for its
   * range by {@link GenerationConfig#fromMap}; every failure is a {@link JsonValueException} naming
   * the file and key.
   */
  private static GenerationConfig overlay(GenerationConfig base, Path file, Set<String> keys) {
    JsonFields json = JsonFile.readObject(file);
    Map<String, String> values = new LinkedHashMap<>();
    for (String name : json.keys()) {
      String key = name.equals("stop_strings") ? "stop" : name;
      if (keys.contains(key) && json.has(name)) {
        values.put(key, asText(json, name, key));
      }
    }
    try {
      return GenerationConfig.fromMap(values, base);
    } catch (IllegalArgumentException e) {
      throw new JsonValueException(file + ": " + e.getMessage(), e);
    }
  }

  /** The value of {@code name} in its {@link GenerationKey} text form: ids joined by commas, stops as a JSON array. */
  private static String asText(JsonFields json, String name, String key) {
    if (key.equals("stop")) {
      JsonElement value = json.raw(name);
      List<String> stops = value.isJsonArray() ? json.strings(name) : List.of(json.string(name));
      JsonArray array = new JsonArray();
      stops.forEach(array::add);
      return array.toString();
    }
    if (key.equals("eos_token_id")) {
      return json.integers(name, 0, Integer.MAX_VALUE).stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    JsonElement value = json.raw(name);
    if (!value.isJsonPrimitive()) {
      throw json.error(name, "must be a number, string or boolean, got " + json.show(name));
    }
    JsonPrimitive p = value.getAsJsonPrimitive();
    return p.isNumber() ? p.getAsBigDecimal().toPlainString() : p.getAsString();
  }
}
