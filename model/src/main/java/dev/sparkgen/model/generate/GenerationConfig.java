package dev.sparkgen.model.generate;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Generation settings with Hugging Face's names and defaults. STUB: the decoding work replaces
 * the bodies; the signatures are the contract the Spark job compiles against.
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

  /** Hugging Face's defaults. */
  public static GenerationConfig defaults() {
    throw new UnsupportedOperationException("stub");
  }

  /**
   * The keys (HF names: max_new_tokens, ..., seed) with their default values as text, in a stable
   * order; the job's --help lists them.
   */
  public static Map<String, String> keysWithDefaults() {
    throw new UnsupportedOperationException("stub");
  }

  /**
   * Applies {@code values} (HF key names to text values, e.g. "top_p" -> "0.9", "eos_token_id" ->
   * "2,5", "early_stopping" -> "never", "stop" -> a list) over {@code base}, then validates. An
   * unknown key, a wrong type or an invalid value throws IllegalArgumentException naming the key
   * and the value.
   */
  public static GenerationConfig fromMap(Map<String, String> values, GenerationConfig base) {
    throw new UnsupportedOperationException("stub");
  }

  /** defaults, overridden by the model folder's generation_config.json (and config.json's eos) if present. */
  public static GenerationConfig forModel(Path modelDir) {
    throw new UnsupportedOperationException("stub");
  }
}
