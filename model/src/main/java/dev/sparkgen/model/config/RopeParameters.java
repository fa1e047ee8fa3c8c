package dev.sparkgen.model.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;
import java.util.List;

/**
 * Rotary position embedding settings as Hugging Face's {@code modeling_rope_utils} reads them, in
 * either config layout: transformers v4's top-level {@code rope_theta} plus a {@code rope_scaling}
 * dict (kind under {@code rope_type} or the older {@code type}), or v5's {@code rope_parameters}
 * dict with {@code rope_theta} inside. The frequencies themselves are computed in
 * {@code nn.RopeFrequencies}.
 *
 * @param ropeType one of {@link #TYPES}
 * @param ropeTheta the base (HF default 10000)
 * @param partialRotaryFactor share of each head's dims that rotate, in (0, 1] (phi3; 1 elsewhere)
 * @param factor scaling factor (linear, llama3, yarn; optional for longrope); null when not given
 * @param originalMaxPositionEmbeddings N of llama3/yarn/longrope, resolved (top-level key, else the
 *     family's default, else the dict's, else {@code max_position_embeddings}); null for the other types
 * @param lowFreqFactor llama3
 * @param highFreqFactor llama3
 * @param betaFast yarn; null means HF's default 32
 * @param betaSlow yarn; null means HF's default 1
 * @param truncate yarn; null means true (floor/ceil the correction range)
 * @param attentionFactor yarn/longrope: multiplies cos and sin; null means derived from the factor
 * @param mscale yarn
 * @param mscaleAllDim yarn
 * @param shortFactor longrope: one factor per rotated pair, used while the sequence is at most N
 * @param longFactor longrope: used once the sequence is longer than N
 */
public record RopeParameters(
    String ropeType,
    double ropeTheta,
    double partialRotaryFactor,
    Double factor,
    Integer originalMaxPositionEmbeddings,
    Double lowFreqFactor,
    Double highFreqFactor,
    Double betaFast,
    Double betaSlow,
    Boolean truncate,
    Double attentionFactor,
    Double mscale,
    Double mscaleAllDim,
    List<Double> shortFactor,
    List<Double> longFactor) {

  /** The RoPE types sparkgen computes exactly. */
  public static final List<String> TYPES = List.of("default", "linear", "llama3", "yarn", "longrope");

  public RopeParameters {
    shortFactor = shortFactor == null ? null : List.copyOf(shortFactor);
    longFactor = longFactor == null ? null : List.copyOf(longFactor);
  }

  /** Plain RoPE with base {@code theta}. */
  public static RopeParameters plain(double theta) {
    return new RopeParameters("default", theta, 1.0, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** Number of dims of each head that rotate: {@code int(headDim * partial_rotary_factor)}, as HF truncates. */
  public int rotaryDim(int headDim) {
    return (int) (headDim * partialRotaryFactor);
  }

  /** Whether the type switches between two tables by sequence length (longrope). */
  public boolean hasLongTable() {
    return ropeType.equals("longrope");
  }

  /**
   * Reads the settings from a config's top level {@code c}; {@code maxPositions} is the config's
   * {@code max_position_embeddings}, {@code headDim} the resolved head size. Of {@code family}:
   * whether its attention rotates part of a head (Phi-3; elsewhere transformers applies cos and sin
   * to whole heads, so a factor other than 1 is refused), and its config class's default N.
   *
   * <p>N ({@code original_max_position_embeddings}) of llama3 / yarn / longrope as transformers v5's
   * {@code RotaryEmbeddingConfigMixin.standardize_rope_params} resolves it: "if hasattr(self,
   * 'original_max_position_embeddings')" the config attribute, copied over the dict's; else the
   * dict's, else {@code max_position_embeddings}. The attribute exists when the file has the
   * top-level key, or always when the family's config class declares it
   * ({@link ModelFamily#defaultOriginalMaxPositionEmbeddings}: Phi-3's 4096). A dict value that the
   * attribute overrides with another number is refused, not ignored.
   *
   * <p>Refuses, naming the file, key and value, any type or value that sparkgen cannot compute exactly.
   */
  public static RopeParameters read(JsonFields c, int headDim, int maxPositions, ModelFamily family) {
    boolean partialRotary = family.rotatesPartialHeads();
    JsonFields legacy = c.optionalObject("rope_scaling");
    JsonFields v5 = c.optionalObject("rope_parameters");
    JsonFields d = legacy != null ? legacy : v5; // a non-null rope_scaling wins, as in HF
    String typeKey = d == null ? null : d.has("rope_type") ? "rope_type" : d.has("type") ? "type" : null;
    String type = typeKey == null ? "default" : d.string(typeKey);
    if (d != null && d.has("rope_type") && d.has("type") && !d.string("type").equals(type)) {
      throw d.error("type", "= '" + d.string("type") + "' contradicts rope_type '" + type + "'");
    }
    if (!TYPES.contains(type)) {
      String why = type.equals("dynamic")
          ? "; dynamic NTK scaling recomputes the frequencies from each sequence's length, which sparkgen does not implement"
          : "";
      throw d.error(typeKey, "= '" + type + "' is not supported (supported: " + String.join(", ", TYPES) + ")" + why);
    }
    double theta = d != null && d.has("rope_theta") ? d.positive("rope_theta", 0) : c.positive("rope_theta", 10000.0);
    if (d != null && d.has("rope_theta")) {
      c.raw("rope_theta"); // the dict's value wins; the top-level one (if any) is read and ignored
    }
    double partial = partialRotaryFactor(c, d);
    if (partial != 1.0 && !partialRotary) {
      throw c.error("partial_rotary_factor", "= " + partial + " is not supported with model_type '" + c.string("model_type")
          + "': its attention rotates whole heads (only phi3 rotates part of a head)");
    }
    int rotaryDim = (int) (headDim * partial);
    if (rotaryDim < 2 || rotaryDim % 2 != 0) {
      throw c.error("partial_rotary_factor", "= " + partial + " gives " + rotaryDim + " rotary dims of head_dim "
          + headDim + "; RoPE needs an even number >= 2");
    }
    if (d == null) {
      return new RopeParameters(type, theta, partial, null, null, null, null, null, null, null, null, null, null, null, null);
    }
    Double factor = d.optionalNumber("factor");
    Integer original = null;
    if (type.equals("llama3") || type.equals("yarn") || type.equals("longrope")) {
      original = c.has("original_max_position_embeddings")
          ? Integer.valueOf(c.integer("original_max_position_embeddings", 1, Integer.MAX_VALUE))
          : family.defaultOriginalMaxPositionEmbeddings();
      if (original == null) {
        original = d.integer("original_max_position_embeddings", maxPositions, 1, Integer.MAX_VALUE);
      } else if (d.has("original_max_position_embeddings")
          && d.integer("original_max_position_embeddings", 1, Integer.MAX_VALUE) != original) {
        throw d.error("original_max_position_embeddings", "= " + d.show("original_max_position_embeddings")
            + " is not what transformers uses: for model_type '" + family.modelType() + "' the top-level"
            + " original_max_position_embeddings (" + (c.has("original_max_position_embeddings") ? "" : "absent: the default ")
            + original + ") wins; set the top-level key to the value meant");
      }
    }
    Double low = null;
    Double high = null;
    Double betaFast = null;
    Double betaSlow = null;
    Boolean truncate = null;
    Double attention = null;
    Double mscale = null;
    Double mscaleAllDim = null;
    List<Double> shortFactor = null;
    List<Double> longFactor = null;
    switch (type) {
      case "linear" -> atLeastOne(d, "factor", required(d, "factor", factor, type));
      case "llama3" -> {
        atLeastOne(d, "factor", required(d, "factor", factor, type));
        low = required(d, "low_freq_factor", positiveOrNull(d, "low_freq_factor"), type);
        high = required(d, "high_freq_factor", positiveOrNull(d, "high_freq_factor"), type);
        if (!(high > low)) {
          throw d.error("high_freq_factor", "= " + high + " must be greater than low_freq_factor = " + low);
        }
      }
      case "yarn" -> {
        if (factor != null) {
          atLeastOne(d, "factor", factor);
        }
        betaFast = nullIfZero(d.optionalNumber("beta_fast"));
        betaSlow = nullIfZero(d.optionalNumber("beta_slow"));
        truncate = d.has("truncate") ? d.bool("truncate", true) : null;
        attention = positiveOrNull(d, "attention_factor");
        mscale = d.optionalNumber("mscale");
        mscaleAllDim = d.optionalNumber("mscale_all_dim");
        double fast = betaFast == null ? 32 : betaFast;
        double slow = betaSlow == null ? 1 : betaSlow;
        if (!(fast > 0) || !(slow > 0)) {
          throw d.error("beta_fast", "and beta_slow must be > 0, got " + fast + " and " + slow);
        }
      }
      case "longrope" -> {
        if (factor != null && !(factor > 0)) {
          throw d.error("factor", "must be > 0, got " + factor);
        }
        attention = positiveOrNull(d, "attention_factor");
        shortFactor = factors(d, "short_factor", rotaryDim);
        longFactor = factors(d, "long_factor", rotaryDim);
      }
      default -> { } // "default": the dict's other keys do not change plain RoPE (HF ignores them too)
    }
    return new RopeParameters(type, theta, partial, factor, original, low, high, betaFast, betaSlow, truncate, attention,
        mscale, mscaleAllDim, shortFactor, longFactor);
  }

  private static double partialRotaryFactor(JsonFields c, JsonFields d) {
    Double top = c.optionalNumber("partial_rotary_factor");
    Double inDict = d == null ? null : d.optionalNumber("partial_rotary_factor");
    if (top != null && inDict != null && !top.equals(inDict)) {
      throw c.error("partial_rotary_factor", "= " + top + " contradicts " + d.name("partial_rotary_factor") + " = " + inDict);
    }
    double p = top != null ? top : inDict != null ? inDict : 1.0;
    if (!(p > 0 && p <= 1)) {
      throw c.error("partial_rotary_factor", "must be in (0, 1], got " + p);
    }
    return p;
  }

  private static double required(JsonFields d, String key, Double value, String type) {
    if (value == null) {
      throw d.error(key, "is required by rope type '" + type + "'");
    }
    return value;
  }

  private static void atLeastOne(JsonFields d, String key, double value) {
    if (!(value >= 1)) {
      throw d.error(key, "must be a number >= 1, got " + value);
    }
  }

  private static Double nullIfZero(Double v) {
    return v == null || v == 0 ? null : v;
  }

  private static Double positiveOrNull(JsonFields d, String key) {
    Double v = d.optionalNumber(key);
    if (v != null && !(v > 0)) {
      throw d.error(key, "must be > 0, got " + v);
    }
    return v;
  }

  private static List<Double> factors(JsonFields d, String key, int rotaryDim) {
    List<Double> f = d.numbers(key);
    if (f == null) {
      throw d.error(key, "is required by rope type 'longrope'");
    }
    if (f.size() != rotaryDim / 2) {
      throw d.error(key, "has " + f.size() + " numbers; the " + rotaryDim + " rotary dims need " + rotaryDim / 2);
    }
    for (int i = 0; i < f.size(); i++) {
      if (!(f.get(i) > 0)) {
        throw d.error(key + "[" + i + "]", "must be > 0, got " + f.get(i));
      }
    }
    return f;
  }

  /**
   * Writes the settings in transformers v4's layout: {@code rope_theta}, {@code rope_scaling} (null
   * for default), {@code partial_rotary_factor} when not 1; N at the top level when
   * {@code originalAtTopLevel} (Phi-3's dialect), else inside the dict.
   */
  public void write(JsonObject o, boolean originalAtTopLevel) {
    o.addProperty("rope_theta", ropeTheta);
    if (partialRotaryFactor != 1.0) {
      o.addProperty("partial_rotary_factor", partialRotaryFactor);
    }
    if (ropeType.equals("default")) {
      o.add("rope_scaling", com.google.gson.JsonNull.INSTANCE);
      return;
    }
    JsonObject d = new JsonObject();
    d.addProperty("rope_type", ropeType);
    put(d, "factor", factor);
    if (originalMaxPositionEmbeddings != null) {
      (originalAtTopLevel ? o : d).addProperty("original_max_position_embeddings", originalMaxPositionEmbeddings);
    }
    put(d, "low_freq_factor", lowFreqFactor);
    put(d, "high_freq_factor", highFreqFactor);
    put(d, "beta_fast", betaFast);
    put(d, "beta_slow", betaSlow);
    if (truncate != null) {
      d.addProperty("truncate", truncate);
    }
    put(d, "attention_factor", attentionFactor);
    put(d, "mscale", mscale);
    put(d, "mscale_all_dim", mscaleAllDim);
    list(d, "short_factor", shortFactor);
    list(d, "long_factor", longFactor);
    o.add("rope_scaling", d);
  }

  private static void put(JsonObject d, String key, Double v) {
    if (v != null) {
      d.addProperty(key, v);
    }
  }

  private static void list(JsonObject d, String key, List<Double> v) {
    if (v != null) {
      JsonArray a = new JsonArray();
      v.forEach(a::add);
      d.add(key, a);
    }
  }
}
