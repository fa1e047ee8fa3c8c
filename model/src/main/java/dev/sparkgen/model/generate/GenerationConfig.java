package dev.sparkgen.model.generate;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generation settings with Hugging Face's names and defaults; every instance is valid (the
 * constructor refuses bad values with the key and the value in the message). The keys, their text
 * forms and help live in {@link GenerationKey}; copies with some values changed come from {@link
 * #toBuilder}. Serialisable as it is (it travels to executors in Spark closures); its lists are
 * immutable copies.
 *
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
    EarlyStopping earlyStopping,
    int numReturnSequences,
    boolean outputLogprobs,
    List<Integer> eosTokenId,
    Integer padTokenId,
    List<String> stop,
    long seed) implements Serializable {

  private static final GenerationConfig DEFAULTS = new Builder().build();

  /** Validates and normalises (lists copied). */
  public GenerationConfig {
    earlyStopping = earlyStopping == null ? EarlyStopping.FALSE : earlyStopping;
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
    return DEFAULTS;
  }

  /** A builder holding this configuration's values, for a copy with some of them changed. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The settings of a model folder: {@link GenerationConfigFile#read}. */
  public static GenerationConfig forModel(java.nio.file.Path modelDir) {
    return GenerationConfigFile.read(modelDir);
  }

  /** This configuration as text values under the HF keys, in {@link GenerationKey}'s order. */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    for (GenerationKey k : GenerationKey.values()) {
      m.put(k.key(), k.text(this));
    }
    return m;
  }

  /**
   * This configuration as JSON-friendly values under the HF keys (numbers, booleans, lists, null
   * for an unset pad_token_id), in {@link GenerationKey}'s order: for the summary and footers.
   */
  public Map<String, Object> toValues() {
    Map<String, Object> m = new LinkedHashMap<>();
    for (GenerationKey k : GenerationKey.values()) {
      m.put(k.key(), k.value(this));
    }
    return m;
  }

  /**
   * Applies {@code values} (HF key names to text values in {@link GenerationKey}'s forms, e.g.
   * "top_p" -> "0.9", "eos_token_id" -> "2,5", "early_stopping" -> "never") over {@code base}, then
   * validates the result. An unknown key, a missing value, a wrong form or an invalid value throws
   * IllegalArgumentException naming the key and the value.
   */
  public static GenerationConfig fromMap(Map<String, String> values, GenerationConfig base) {
    Builder b = base.toBuilder();
    for (Map.Entry<String, String> e : values.entrySet()) {
      GenerationKey key = GenerationKey.named(e.getKey()).orElseThrow(() -> new IllegalArgumentException(
          "unknown generation setting " + e.getKey() + "=" + e.getValue() + " (known: "
              + String.join(", ", GenerationKey.names()) + ")"));
      if (e.getValue() == null) {
        throw new IllegalArgumentException("generation setting " + e.getKey() + " has no value");
      }
      key.parse(b, e.getValue());
    }
    return b.build();
  }

  /**
   * Named values for a new {@link GenerationConfig}, starting from Hugging Face's defaults (or from
   * a configuration, {@link #toBuilder}); {@link #build} validates.
   */
  public static final class Builder {
    private int maxNewTokens = 20;
    private int minNewTokens;
    private boolean doSample;
    private double temperature = 1.0;
    private int topK = 50;
    private double topP = 1.0;
    private double minP;
    private double repetitionPenalty = 1.0;
    private int noRepeatNgramSize;
    private int numBeams = 1;
    private double lengthPenalty = 1.0;
    private EarlyStopping earlyStopping = EarlyStopping.FALSE;
    private int numReturnSequences = 1;
    private boolean outputLogprobs;
    private List<Integer> eosTokenId = List.of();
    private Integer padTokenId;
    private List<String> stop = List.of();
    private long seed;

    /** Hugging Face's defaults. */
    public Builder() {}

    private Builder(GenerationConfig c) {
      maxNewTokens = c.maxNewTokens;
      minNewTokens = c.minNewTokens;
      doSample = c.doSample;
      temperature = c.temperature;
      topK = c.topK;
      topP = c.topP;
      minP = c.minP;
      repetitionPenalty = c.repetitionPenalty;
      noRepeatNgramSize = c.noRepeatNgramSize;
      numBeams = c.numBeams;
      lengthPenalty = c.lengthPenalty;
      earlyStopping = c.earlyStopping;
      numReturnSequences = c.numReturnSequences;
      outputLogprobs = c.outputLogprobs;
      eosTokenId = c.eosTokenId;
      padTokenId = c.padTokenId;
      stop = c.stop;
      seed = c.seed;
    }

    public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
    public Builder minNewTokens(int v) { minNewTokens = v; return this; }
    public Builder doSample(boolean v) { doSample = v; return this; }
    public Builder temperature(double v) { temperature = v; return this; }
    public Builder topK(int v) { topK = v; return this; }
    public Builder topP(double v) { topP = v; return this; }
    public Builder minP(double v) { minP = v; return this; }
    public Builder repetitionPenalty(double v) { repetitionPenalty = v; return this; }
    public Builder noRepeatNgramSize(int v) { noRepeatNgramSize = v; return this; }
    public Builder numBeams(int v) { numBeams = v; return this; }
    public Builder lengthPenalty(double v) { lengthPenalty = v; return this; }
    public Builder earlyStopping(EarlyStopping v) { earlyStopping = v; return this; }
    public Builder numReturnSequences(int v) { numReturnSequences = v; return this; }
    public Builder outputLogprobs(boolean v) { outputLogprobs = v; return this; }
    public Builder eosTokenId(List<Integer> v) { eosTokenId = v; return this; }
    public Builder padTokenId(Integer v) { padTokenId = v; return this; }
    public Builder stop(List<String> v) { stop = v; return this; }
    public Builder seed(long v) { seed = v; return this; }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException naming the key and value of the first invalid setting
     */
    public GenerationConfig build() {
      return new GenerationConfig(maxNewTokens, minNewTokens, doSample, temperature, topK, topP, minP,
          repetitionPenalty, noRepeatNgramSize, numBeams, lengthPenalty, earlyStopping, numReturnSequences,
          outputLogprobs, eosTokenId, padTokenId, stop, seed);
    }
  }
}
