package dev.sparkgen.model.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code config.json} keys that every Llama-derived family shares (Hugging Face's
 * {@code LlamaConfig} names), the Hugging Face tensor names of such a layer, and the rules by which
 * the families place sliding windows. The families call these with their own defaults.
 */
final class LlamaDialect {
  /** MLP activations sparkgen computes, under Hugging Face's {@code ACT2FN} names. */
  static final Set<String> ACTIVATIONS = Set.of("silu", "swish", "gelu", "gelu_new", "gelu_pytorch_tanh");

  private LlamaDialect() {}

  /** Where a family's layers use a sliding window. */
  enum WindowRule {
    /** Never (Llama, Gemma): full causal attention. */
    NONE,
    /** Every layer when {@code sliding_window} is set (Mistral, Phi-3). */
    EVERY_LAYER,
    /** Only with {@code use_sliding_window}, on layers {@code >= max_window_layers} (Qwen2, Qwen3). */
    QWEN,
    /** Even layers (0, 2, ...) are local, odd ones global (Gemma 2). */
    EVEN_LAYERS
  }

  /**
   * Reads the shared keys: sizes, {@code rms_norm_eps}, RoPE, tying, bos/eos. {@code defaultHeadDim}
   * null means {@code hidden_size / num_attention_heads} (which must then divide).
   */
  static ModelConfig.Builder read(JsonFields c, ModelFamily family, Integer defaultHeadDim, double defaultEps,
      boolean defaultTied) {
    int hidden = c.integer("hidden_size", 1, Integer.MAX_VALUE);
    int heads = c.integer("num_attention_heads", 1, Integer.MAX_VALUE);
    int kvHeads = c.integer("num_key_value_heads", heads, 1, Integer.MAX_VALUE);
    Integer headDim = c.optionalInteger("head_dim", 1, Integer.MAX_VALUE);
    if (headDim == null) {
      if (defaultHeadDim != null) {
        headDim = defaultHeadDim;
      } else if (hidden % heads != 0) {
        throw c.error("hidden_size", "= " + hidden + " is not divisible by num_attention_heads=" + heads
            + " and no head_dim is given");
      } else {
        headDim = hidden / heads;
      }
    }
    int maxPositions = c.integer("max_position_embeddings", 1, Integer.MAX_VALUE);
    return ModelConfig.builder(family)
        .sizes(c.integer("vocab_size", 1, Integer.MAX_VALUE), hidden, c.integer("num_hidden_layers", 1, Integer.MAX_VALUE),
            heads, kvHeads, headDim, c.integer("intermediate_size", 1, Integer.MAX_VALUE), maxPositions)
        .normEps(c.positive("rms_norm_eps", defaultEps))
        .rope(RopeParameters.read(c, headDim, maxPositions, family))
        .tieWordEmbeddings(c.bool("tie_word_embeddings", defaultTied))
        .bosTokenId(c.optionalInteger("bos_token_id", 0, Integer.MAX_VALUE))
        .eosTokenIds(c.integers("eos_token_id", 0, Integer.MAX_VALUE));
  }

  /** Reads the activation under {@code key}; refuses one sparkgen does not compute. */
  static String activation(JsonFields c, String key, String dflt) {
    String act = c.string(key, dflt);
    if (!ACTIVATIONS.contains(act)) {
      throw c.error(key, "= '" + act + "' is not supported (supported: " + String.join(", ", new java.util.TreeSet<>(ACTIVATIONS)) + ")");
    }
    return act;
  }

  /** Writes the shared keys. */
  static JsonObject write(ModelConfig c, String architecture, String activationKey, boolean originalAtTopLevel) {
    JsonObject o = new JsonObject();
    JsonArray arch = new JsonArray();
    arch.add(architecture);
    o.add("architectures", arch);
    o.addProperty(activationKey, c.hiddenAct());
    o.addProperty("hidden_size", c.hiddenSize());
    o.addProperty("num_attention_heads", c.numHeads());
    o.addProperty("num_key_value_heads", c.numKvHeads());
    o.addProperty("head_dim", c.headDim());
    o.addProperty("num_hidden_layers", c.numLayers());
    o.addProperty("intermediate_size", c.intermediateSize());
    o.addProperty("max_position_embeddings", c.maxPositions());
    o.addProperty("rms_norm_eps", c.normEps());
    c.rope().write(o, originalAtTopLevel);
    o.addProperty("tie_word_embeddings", c.tieWordEmbeddings());
    return o;
  }

  /**
   * Per-layer windows under {@code rule} (null entries: full attention); {@code layer_types}, when
   * the config lists it, says per layer. {@code defaultWindow} is HF's {@code sliding_window}
   * default when the key is absent (a present null means none).
   */
  static List<Integer> readWindows(JsonFields c, int layers, WindowRule rule, Integer defaultWindow) {
    List<String> types = c.strings("layer_types");
    if (types != null && types.size() != layers) {
      throw c.error("layer_types", "lists " + types.size() + " layers; num_hidden_layers is " + layers);
    }
    if (rule == WindowRule.NONE) {
      if (types != null && types.stream().anyMatch(t -> !t.equals("full_attention"))) {
        throw c.error("layer_types", "= " + c.show("layer_types") + " asks for sliding windows, which this model_type"
            + " does not have");
      }
      return null;
    }
    boolean given = c.keys().contains("sliding_window");
    Integer window = given ? c.optionalInteger("sliding_window", 1, Integer.MAX_VALUE) : defaultWindow;
    boolean use = true;
    int maxWindowLayers = 0;
    if (rule == WindowRule.QWEN) {
      use = c.bool("use_sliding_window", false);
      maxWindowLayers = c.integer("max_window_layers", 28, 0, Integer.MAX_VALUE);
    }
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      boolean sliding;
      if (types != null) {
        String t = types.get(i);
        if (!t.equals("sliding_attention") && !t.equals("full_attention")) {
          throw c.error("layer_types[" + i + "]", "= '" + t + "' is not supported (sliding_attention, full_attention)");
        }
        sliding = t.equals("sliding_attention");
      } else {
        sliding = switch (rule) {
          case EVERY_LAYER -> true;
          case QWEN -> i >= maxWindowLayers;
          case EVEN_LAYERS -> i % 2 == 0;
          case NONE -> false;
        };
      }
      if (sliding && use && window == null && types != null) {
        throw c.error("layer_types[" + i + "]", "= 'sliding_attention' needs a sliding_window, which is null");
      }
      out.add(sliding && use ? window : null);
    }
    return out;
  }

  /** Writes the windows in {@code rule}'s dialect so that {@link #readWindows} reads them back. */
  static void writeWindows(JsonObject o, ModelConfig c, WindowRule rule) {
    if (rule == WindowRule.NONE) {
      return;
    }
    List<Integer> w = c.layerWindows();
    Integer window = w.stream().filter(Objects::nonNull).findFirst().orElse(null);
    if (rule == WindowRule.QWEN) {
      o.addProperty("use_sliding_window", window != null);
      o.addProperty("max_window_layers", c.numLayers());
    }
    if (window == null) {
      o.add("sliding_window", JsonNull.INSTANCE);
      return;
    }
    o.addProperty("sliding_window", window);
    JsonArray types = new JsonArray();
    w.forEach(x -> types.add(x == null ? "full_attention" : "sliding_attention"));
    o.add("layer_types", types);
  }

  /**
   * The Hugging Face names of layer {@code i} of a Llama-style model (without the {@code model.}
   * prefix): {@code input_layernorm}, {@code self_attn.{q,k,v,o}_proj},
   * {@code post_attention_layernorm}, {@code mlp.{gate,up,down}_proj}.
   *
   * @param qkvBias biases on q, k and v
   * @param oBias bias on o
   * @param qkNorm per-head {@code q_norm} / {@code k_norm} (Qwen3)
   * @param fused Phi-3's {@code qkv_proj} and {@code gate_up_proj}
   */
  static Architecture.Layer layer(int i, boolean qkvBias, boolean oBias, boolean mlpBias, boolean qkNorm, boolean fused) {
    String p = "layers." + i + ".";
    String a = p + "self_attn.";
    String m = p + "mlp.";
    List<Architecture.Param> qkv = fused
        ? List.of(Architecture.Param.linear(a + "qkv_proj", qkvBias))
        : List.of(Architecture.Param.linear(a + "q_proj", qkvBias), Architecture.Param.linear(a + "k_proj", qkvBias),
            Architecture.Param.linear(a + "v_proj", qkvBias));
    List<Architecture.Param> in = fused
        ? List.of(Architecture.Param.linear(m + "gate_up_proj", mlpBias))
        : List.of(Architecture.Param.linear(m + "gate_proj", mlpBias), Architecture.Param.linear(m + "up_proj", mlpBias));
    return new Architecture.Layer(Architecture.Param.of(p + "input_layernorm.weight"), qkv,
        Architecture.Param.linear(a + "o_proj", oBias), qkNorm ? a + "q_norm.weight" : null,
        qkNorm ? a + "k_norm.weight" : null, null, Architecture.Param.of(p + "post_attention_layernorm.weight"), true, in,
        Architecture.Param.linear(m + "down_proj", mlpBias), null);
  }

  /** The standard layers, embedding, final norm and output of a Llama-style checkpoint. */
  static Architecture architecture(ModelConfig c, Architecture.NormKind norm, boolean scaleEmbedding,
      java.util.function.IntFunction<Architecture.Layer> layer) {
    List<Architecture.Layer> layers = new ArrayList<>();
    for (int i = 0; i < c.numLayers(); i++) {
      layers.add(layer.apply(i));
    }
    return new Architecture("embed_tokens.weight", null, scaleEmbedding, norm, false, layers,
        Architecture.Param.of("norm.weight"), c.tieWordEmbeddings() ? null : "lm_head.weight");
  }
}
