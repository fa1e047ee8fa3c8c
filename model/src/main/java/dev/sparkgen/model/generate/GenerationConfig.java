package dev.sparkgen.model.generate;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import dev.sparkgen.model.json.JsonFields;
import dev.sparkgen.model.json.JsonFile;
import dev.sparkgen.model.json.JsonValueException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Generation settings with Hugging Face's names and defaults; every instance is valid (the
 * constructor refuses bad values with the key and the value in the message).
 *
 * <p>Text form ({@link #fromMap}): numbers and booleans as usual; {@code eos_token_id} one id or a
 * comma-separated list ("2" or "2,5"; empty or "none" for no eos); {@code pad_token_id} an id or
 * empty/"none"; {@code early_stopping} "true", "false" or "never"; {@code stop} either a JSON array
 * of strings ({@code ["\n\n", "###"]}) or, when the text does not start with '[', one stop string
 * taken literally (empty for none).
 *
 * @param earlyStopping "true", "false" or "never"
 * @param eosTokenId the eos ids; empty means no eos (never stop early)
 * @param padTokenId null when unset (Hugging Face then pads with eos[0]); unused by sparkgen's
 *     outputs, which are not padded
 * @param minP 0 means disabled
 * @param seed with a row's key and sample index, determines its sampling stream
 */
public record GenerationConfig(
    int maxNewTokens,
    int minNewTokens,
    boolean doSample,
    double temperature,
    int topK,
    double topP,
    double minP,
    double repetitionPenalty,
    int noRepeatNgramSize,
    int numBeams,
    double lengthPenalty,
    String earlyStopping,
    int numReturnSequences,
    boolean outputLogprobs,
    List<Integer> eosTokenId,
    Integer padTokenId,
    List<String> stop,
    long seed) {

  /** The generation_config.json of a model folder. */
  public static final String FILE = "generation_config.json";

  private static final Set<String> EARLY_STOPPING = Set.of("true", "false", "never");

  /** Validates and normalises (early_stopping lower-cased, lists copied). */
  public GenerationConfig {
    earlyStopping = earlyStopping == null ? "false" : earlyStopping.trim().toLowerCase(Locale.ROOT);
    eosTokenId = eosTokenId == null ? List.of() : List.copyOf(eosTokenId);
    stop = stop == null ? List.of() : List.copyOf(stop);
    check(maxNewTokens >= 1, "max_new_tokens", maxNewTokens, "must be >= 1");
    check(minNewTokens >= 0, "min_new_tokens", minNewTokens, "must be >= 0");
    check(!Double.isNaN(temperature) && !Double.isInfinite(temperature) && temperature >= 0,
        "temperature", temperature, "must be a finite number >= 0");
    check(!doSample || temperature > 0, "temperature", temperature, "must be > 0 when do_sample is true");
    check(topK >= 0, "top_k", topK, "must be >= 0 (0 disables it)");
    check(topP > 0 && topP <= 1, "top_p", topP, "must be in (0, 1]");
    check(minP >= 0 && minP <= 1, "min_p", minP, "must be in [0, 1] (0 disables it)");
    check(repetitionPenalty > 0 && !Double.isInfinite(repetitionPenalty), "repetition_penalty",
        repetitionPenalty, "must be a finite number > 0 (1 disables it)");
    check(noRepeatNgramSize >= 0, "no_repeat_ngram_size", noRepeatNgramSize, "must be >= 0 (0 disables it)");
    check(numBeams >= 1, "num_beams", numBeams, "must be >= 1");
    check(!Double.isNaN(lengthPenalty) && !Double.isInfinite(lengthPenalty), "length_penalty", lengthPenalty,
        "must be a finite number");
    check(EARLY_STOPPING.contains(earlyStopping), "early_stopping", earlyStopping, "must be true, false or never");
    check(numReturnSequences >= 1, "num_return_sequences", numReturnSequences, "must be >= 1");
    check(!(doSample && numBeams > 1), "num_beams", numBeams,
        "must be 1 with do_sample=true (beam sampling is not supported)");
    check(doSample || numReturnSequences <= numBeams, "num_return_sequences", numReturnSequences,
        "must be <= num_beams (" + numBeams + ") unless do_sample is true");
    for (Integer id : eosTokenId) {
      check(id != null && id >= 0, "eos_token_id", eosTokenId, "ids must be >= 0");
    }
    check(padTokenId == null || padTokenId >= 0, "pad_token_id", padTokenId, "must be >= 0");
    for (String s : stop) {
      check(s != null && !s.isEmpty(), "stop", stop, "stop strings must be non-empty");
    }
  }

  private static void check(boolean ok, String key, Object value, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("invalid generation setting " + key + "=" + value + ": " + rule);
    }
  }

  /** The id Hugging Face pads finished rows with: pad_token_id, else eos[0], else null. */
  public Integer padOrEos() {
    return padTokenId != null ? padTokenId : eosTokenId.isEmpty() ? null : eosTokenId.get(0);
  }

  /** Hugging Face's defaults (max_new_tokens 20, top_k 50, no eos until a model supplies one). */
  public static GenerationConfig defaults() {
    return new GenerationConfig(20, 0, false, 1.0, 50, 1.0, 0.0, 1.0, 0, 1, 1.0, "false", 1, false,
        List.of(), null, List.of(), 0L);
  }

  /**
   * The keys (HF names: max_new_tokens, ..., seed) with their default values as text, in a stable
   * order; the job's --help lists them.
   */
  public static Map<String, String> keysWithDefaults() {
    return defaults().toMap();
  }

  /** This configuration as text values under the HF keys, in the order of {@link #keysWithDefaults}. */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("max_new_tokens", Integer.toString(maxNewTokens));
    m.put("min_new_tokens", Integer.toString(minNewTokens));
    m.put("do_sample", Boolean.toString(doSample));
    m.put("temperature", Double.toString(temperature));
    m.put("top_k", Integer.toString(topK));
    m.put("top_p", Double.toString(topP));
    m.put("min_p", Double.toString(minP));
    m.put("repetition_penalty", Double.toString(repetitionPenalty));
    m.put("no_repeat_ngram_size", Integer.toString(noRepeatNgramSize));
    m.put("num_beams", Integer.toString(numBeams));
    m.put("length_penalty", Double.toString(lengthPenalty));
    m.put("early_stopping", earlyStopping);
    m.put("num_return_sequences", Integer.toString(numReturnSequences));
    m.put("output_logprobs", Boolean.toString(outputLogprobs));
    m.put("eos_token_id", String.join(",", eosTokenId.stream().map(String::valueOf).toList()));
    m.put("pad_token_id", padTokenId == null ? "" : padTokenId.toString());
    JsonArray stops = new JsonArray();
    stop.forEach(stops::add);
    m.put("stop", stop.isEmpty() ? "" : stops.toString());
    m.put("seed", Long.toString(seed));
    return m;
  }

  /**
   * Applies {@code values} (HF key names to text values, e.g. "top_p" -> "0.9", "eos_token_id" ->
   * "2,5", "early_stopping" -> "never", "stop" -> a list) over {@code base}, then validates. An
   * unknown key, a wrong type or an invalid value throws IllegalArgumentException naming the key
   * and the value.
   */
  public static GenerationConfig fromMap(Map<String, String> values, GenerationConfig base) {
    TextValues v = new TextValues(values, base.toMap().keySet());
    return new GenerationConfig(
        v.integer("max_new_tokens", base.maxNewTokens),
        v.integer("min_new_tokens", base.minNewTokens),
        v.bool("do_sample", base.doSample),
        v.number("temperature", base.temperature),
        v.integer("top_k", base.topK),
        v.number("top_p", base.topP),
        v.optionalNumber("min_p", base.minP),
        v.number("repetition_penalty", base.repetitionPenalty),
        v.integer("no_repeat_ngram_size", base.noRepeatNgramSize),
        v.integer("num_beams", base.numBeams),
        v.number("length_penalty", base.lengthPenalty),
        v.text("early_stopping", base.earlyStopping),
        v.integer("num_return_sequences", base.numReturnSequences),
        v.bool("output_logprobs", base.outputLogprobs),
        v.idList("eos_token_id", base.eosTokenId),
        v.optionalId("pad_token_id", base.padTokenId),
        v.stringList("stop", base.stop),
        v.longValue("seed", base.seed));
  }

  /**
   * defaults, overridden by the model folder's generation_config.json (and config.json's eos) if
   * present. config.json supplies eos_token_id and pad_token_id; generation_config.json's known keys
   * override them (its {@code stop_strings} is read as {@code stop}); other keys there, such as
   * max_length, are ignored.
   *
   * @throws JsonValueException naming the file and key when a file is not JSON, a value has the wrong
   *     JSON type, or a value is out of range
   */
  public static GenerationConfig forModel(Path modelDir) {
    GenerationConfig config = defaults();
    Path modelConfig = modelDir.resolve("config.json");
    if (Files.isRegularFile(modelConfig)) {
      config = overlay(config, modelConfig, Set.of("eos_token_id", "pad_token_id"));
    }
    Path generationConfig = modelDir.resolve(FILE);
    if (Files.isRegularFile(generationConfig)) {
      config = overlay(config, generationConfig, config.toMap().keySet());
    }
    return config;
  }

  /**
   * Applies the keys of a JSON file that are in {@code keys} (null values skipped). The file is read
   * by {@link JsonFile} (strict, bounded), each value is checked for its JSON type here and for its
   * range by {@link #fromMap}; every failure is a {@link JsonValueException} naming the file and key.
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
      return fromMap(values, base);
    } catch (IllegalArgumentException e) {
      throw new JsonValueException(file + ": " + e.getMessage(), e);
    }
  }

  /** The value of {@code name} as {@link #fromMap} text: ids joined by commas, stop strings as a JSON array. */
  private static String asText(JsonFields json, String name, String key) {
    if (key.equals("stop")) {
      JsonElement value = json.raw(name);
      List<String> stops = value.isJsonArray() ? json.strings(name) : List.of(json.string(name));
      JsonArray array = new JsonArray();
      stops.forEach(array::add);
      return array.toString();
    }
    if (key.equals("eos_token_id")) {
      return json.integers(name, 0, Integer.MAX_VALUE).stream().map(String::valueOf)
          .collect(java.util.stream.Collectors.joining(","));
    }
    JsonElement value = json.raw(name);
    if (!value.isJsonPrimitive()) {
      throw json.error(name, "must be a number, string or boolean, got " + json.show(name));
    }
    JsonPrimitive p = value.getAsJsonPrimitive();
    return p.isNumber() ? p.getAsBigDecimal().toPlainString() : p.getAsString();
  }
}
