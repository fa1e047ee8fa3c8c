package dev.sparkgen.model.generate;

import com.google.gson.JsonArray;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The one registry of generation keys: each key's Hugging Face name, the form of its values, its
 * help, how its text is parsed into a {@link GenerationConfig.Builder} and how its value is read
 * back. {@link GenerationConfig#toMap}, {@link GenerationConfig#fromMap}, the job's {@code --help},
 * the Parquet footer and {@code _summary.json} all walk this list, so adding a key touches this
 * file and the record.
 *
 * <p>Text forms: numbers and booleans as usual; {@code eos_token_id} one id or a comma-separated
 * list ("2" or "2,5"; empty or "none" for no eos); {@code pad_token_id} an id or empty/"none";
 * {@code min_p} a number or empty/"none" (0, off); {@code early_stopping} "true", "false" or
 * "never"; {@code stop} a JSON array of strings ({@code ["\n\n", "###"]}) or, when the text does
 * not start with '[', one stop string taken literally (empty for none).
 */
public enum GenerationKey {
  MAX_NEW_TOKENS("max_new_tokens", "integer >= 1", "tokens to generate at most per sequence",
      (b, v) -> b.maxNewTokens(v.integer()), GenerationConfig::maxNewTokens),
  MIN_NEW_TOKENS("min_new_tokens", "integer >= 0", "eos is suppressed until this many tokens were generated",
      (b, v) -> b.minNewTokens(v.integer()), GenerationConfig::minNewTokens),
  DO_SAMPLE("do_sample", "true | false", "sample; false = greedy (or beam search with num_beams > 1)",
      (b, v) -> b.doSample(v.bool()), GenerationConfig::doSample),
  TEMPERATURE("temperature", "number > 0", "divides the logits before sampling",
      (b, v) -> b.temperature(v.number()), GenerationConfig::temperature),
  TOP_K("top_k", "integer >= 0", "keep the k most likely tokens (0 = off)",
      (b, v) -> b.topK(v.integer()), GenerationConfig::topK),
  TOP_P("top_p", "number in (0, 1]", "keep the smallest set of tokens whose probability reaches p (1 = off)",
      (b, v) -> b.topP(v.number()), GenerationConfig::topP),
  MIN_P("min_p", "number in [0, 1]", "drop tokens less likely than min_p x the top token's probability (0 = off)",
      (b, v) -> b.minP(v.optionalNumber()), GenerationConfig::minP),
  REPETITION_PENALTY("repetition_penalty", "number > 0", "penalise tokens already in the prompt or output (1 = off)",
      (b, v) -> b.repetitionPenalty(v.number()), GenerationConfig::repetitionPenalty),
  NO_REPEAT_NGRAM_SIZE("no_repeat_ngram_size", "integer >= 0", "forbid repeating any n-gram of this size (0 = off)",
      (b, v) -> b.noRepeatNgramSize(v.integer()), GenerationConfig::noRepeatNgramSize),
  NUM_BEAMS("num_beams", "integer >= 1", "beam search width (1 = no beam search)",
      (b, v) -> b.numBeams(v.integer()), GenerationConfig::numBeams),
  LENGTH_PENALTY("length_penalty", "number", "beam score = sum of logprobs / length^length_penalty",
      (b, v) -> b.lengthPenalty(v.number()), GenerationConfig::lengthPenalty),
  EARLY_STOPPING("early_stopping", "true | false | never", "when beam search stops",
      (b, v) -> b.earlyStopping(EarlyStopping.parse(v.text())), GenerationConfig::earlyStopping),
  NUM_RETURN_SEQUENCES("num_return_sequences", "integer >= 1", "sequences returned per prompt (one output row each)",
      (b, v) -> b.numReturnSequences(v.integer()), GenerationConfig::numReturnSequences),
  OUTPUT_LOGPROBS("output_logprobs", "true | false", "write each generated token's log-probability: the model's raw"
      + " log_softmax, before temperature, penalties and filters (as cumulative_logprob)",
      (b, v) -> b.outputLogprobs(v.bool()), GenerationConfig::outputLogprobs),
  EOS_TOKEN_ID("eos_token_id", "ids, comma separated, or none", "end-of-sequence id(s)",
      (b, v) -> b.eosTokenId(v.idList()), GenerationConfig::eosTokenId),
  PAD_TOKEN_ID("pad_token_id", "id or none", "padding id",
      (b, v) -> b.padTokenId(v.optionalId()), GenerationConfig::padTokenId),
  STOP("stop", "a string, or a JSON array of strings", "generated text is cut before the first stop string",
      (b, v) -> b.stop(v.stringList()), GenerationConfig::stop),
  SEED("seed", "integer", "seed of the sampling streams (and of model=random's weights)",
      (b, v) -> b.seed(v.longValue()), GenerationConfig::seed);

  private static final Map<String, GenerationKey> BY_NAME =
      Stream.of(values()).collect(Collectors.toUnmodifiableMap(GenerationKey::key, k -> k));

  private final String key;
  private final String accepted;
  private final String help;
  private final BiConsumer<GenerationConfig.Builder, TextValue> parser;
  private final Function<GenerationConfig, Object> getter;

  GenerationKey(String key, String accepted, String help, BiConsumer<GenerationConfig.Builder, TextValue> parser,
      Function<GenerationConfig, Object> getter) {
    this.key = key;
    this.accepted = accepted;
    this.help = help;
    this.parser = parser;
    this.getter = getter;
  }

  /** The Hugging Face name, e.g. {@code max_new_tokens}. */
  public String key() {
    return key;
  }

  /** The accepted values, for help text: {@code integer >= 1}. */
  public String accepted() {
    return accepted;
  }

  /** One line of help. */
  public String help() {
    return help;
  }

  /** The key named {@code name}, if there is one. */
  public static Optional<GenerationKey> named(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }

  /** Every key name, in this registry's order. */
  public static List<String> names() {
    return Stream.of(values()).map(GenerationKey::key).toList();
  }

  /**
   * Parses {@code text} into {@code builder}.
   *
   * @throws IllegalArgumentException naming the key and the value when the text has the wrong form
   */
  void parse(GenerationConfig.Builder builder, String text) {
    parser.accept(builder, new TextValue(key, text));
  }

  /**
   * The value in {@code config} as a JSON-friendly object: Integer, Long, Double, Boolean, String
   * (early_stopping's label), a list of ids or strings, or null (an unset pad_token_id).
   */
  public Object value(GenerationConfig config) {
    Object v = getter.apply(config);
    return v instanceof EarlyStopping e ? e.label() : v;
  }

  /** The value in {@code config} as text that {@link #parse} reads back to the same value. */
  public String text(GenerationConfig config) {
    Object v = getter.apply(config);
    if (v == null) {
      return "";
    }
    if (v instanceof EarlyStopping e) {
      return e.label();
    }
    if (this == STOP) {
      List<?> stops = (List<?>) v;
      JsonArray array = new JsonArray();
      stops.forEach(s -> array.add((String) s));
      return stops.isEmpty() ? "" : array.toString();
    }
    if (v instanceof List<?> ids) {
      return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    return v.toString();
  }
}
