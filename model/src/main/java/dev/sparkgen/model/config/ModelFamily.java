package dev.sparkgen.model.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.sparkgen.model.CheckpointException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The supported model families, chosen by {@code config.json}'s {@code model_type}. Each family is
 * data: how its config keys map to {@link ModelConfig}, which tensors it has (Hugging Face names
 * and shapes as stored), and which names in a file to strip or ignore.
 */
public enum ModelFamily {
  /** GPT-2: learned positions, LayerNorm, gelu_new MLP, Conv1D weights stored [in, out], tied output. */
  GPT2("gpt2", "transformer.", Pattern.compile("(h\\.\\d+\\.attn\\.(bias|masked_bias))|lm_head\\.weight")),
  /** Llama: RoPE, RMSNorm, SwiGLU, grouped-query attention, Linear weights stored [out, in]. */
  LLAMA("llama", "model.", Pattern.compile("layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq|rotary_emb\\.inv_freq"));

  private final String modelType;
  private final String filePrefix;
  private final Pattern ignored;

  ModelFamily(String modelType, String filePrefix, Pattern ignored) {
    this.modelType = modelType;
    this.filePrefix = filePrefix;
    this.ignored = ignored;
  }

  /** The {@code model_type} string. */
  public String modelType() {
    return modelType;
  }

  /** Finds the family for a {@code model_type}, or fails listing the supported ones. */
  public static ModelFamily of(String modelType, String file) {
    for (ModelFamily f : values()) {
      if (f.modelType.equals(modelType)) {
        return f;
      }
    }
    throw new CheckpointException(file + ": unsupported model_type '" + modelType + "'; supported: "
        + Arrays.stream(values()).map(ModelFamily::modelType).collect(Collectors.joining(", ")));
  }

  /** Reads a parsed {@code config.json}. */
  public static ModelConfig parse(JsonObject json, String file) {
    JsonElement type = json.get("model_type");
    if (type == null || !type.isJsonPrimitive()) {
      throw new CheckpointException(file + ": missing key 'model_type'");
    }
    ModelFamily family = of(type.getAsString(), file);
    ConfigReader r = new ConfigReader(json, file);
    ModelConfig c = switch (family) {
      case GPT2 -> {
        r.require("activation_function", "gelu_new");
        r.requireFalse("scale_attn_by_inverse_layer_idx");
        r.requireFalse("reorder_and_upcast_attn");
        if (!r.bool("scale_attn_weights", true)) {
          throw new CheckpointException(file + ": scale_attn_weights=false is not supported");
        }
        int hidden = r.integer("n_embd");
        int heads = r.integer("n_head");
        Integer inner = r.optionalInteger("n_inner");
        yield new ModelConfig(family, r.integer("vocab_size"), hidden, r.integer("n_layer"), heads, heads,
            heads > 0 ? hidden / heads : 0, inner == null ? 4 * hidden : inner, r.integer("n_positions"),
            r.number("layer_norm_epsilon", 1e-5), 0, true, true, true, r.optionalInteger("bos_token_id"),
            r.intList("eos_token_id"));
      }
      case LLAMA -> {
        r.require("hidden_act", "silu");
        if (json.has("rope_scaling") && !json.get("rope_scaling").isJsonNull()) {
          throw new CheckpointException(file + ": rope_scaling=" + json.get("rope_scaling") + " is not supported (only null)");
        }
        int hidden = r.integer("hidden_size");
        int heads = r.integer("num_attention_heads");
        Integer kv = r.optionalInteger("num_key_value_heads");
        Integer headDim = r.optionalInteger("head_dim");
        if (headDim == null && heads > 0 && hidden % heads != 0) {
          throw new CheckpointException(file + ": hidden_size=" + hidden + " is not divisible by num_attention_heads="
              + heads + " and no head_dim is given");
        }
        yield new ModelConfig(family, r.integer("vocab_size"), hidden, r.integer("num_hidden_layers"), heads,
            kv == null ? heads : kv, headDim != null ? headDim : heads > 0 ? hidden / heads : 0,
            r.integer("intermediate_size"), r.integer("max_position_embeddings"), r.number("rms_norm_eps", 1e-6),
            r.number("rope_theta", 10000.0), r.bool("tie_word_embeddings", false), r.bool("attention_bias", false),
            r.bool("mlp_bias", false), r.optionalInteger("bos_token_id"), r.intList("eos_token_id"));
      }
    };
    return c.validate(file);
  }

  /** Writes a config in this family's Hugging Face dialect. */
  public static JsonObject toJson(ModelConfig c) {
    JsonObject o = new JsonObject();
    JsonArray arch = new JsonArray();
    o.add("architectures", arch);
    o.addProperty("model_type", c.family().modelType);
    o.addProperty("vocab_size", c.vocabSize());
    switch (c.family()) {
      case GPT2 -> {
        arch.add("GPT2LMHeadModel");
        o.addProperty("activation_function", "gelu_new");
        o.addProperty("n_embd", c.hiddenSize());
        o.addProperty("n_head", c.numHeads());
        o.addProperty("n_layer", c.numLayers());
        o.addProperty("n_inner", c.intermediateSize());
        o.addProperty("n_positions", c.maxPositions());
        o.addProperty("n_ctx", c.maxPositions());
        o.addProperty("layer_norm_epsilon", c.normEps());
        o.addProperty("scale_attn_weights", true);
        o.addProperty("tie_word_embeddings", true);
      }
      case LLAMA -> {
        arch.add("LlamaForCausalLM");
        o.addProperty("hidden_act", "silu");
        o.addProperty("hidden_size", c.hiddenSize());
        o.addProperty("num_attention_heads", c.numHeads());
        o.addProperty("num_key_value_heads", c.numKvHeads());
        o.addProperty("head_dim", c.headDim());
        o.addProperty("num_hidden_layers", c.numLayers());
        o.addProperty("intermediate_size", c.intermediateSize());
        o.addProperty("max_position_embeddings", c.maxPositions());
        o.addProperty("rms_norm_eps", c.normEps());
        o.addProperty("rope_theta", c.ropeTheta());
        o.add("rope_scaling", com.google.gson.JsonNull.INSTANCE);
        o.addProperty("tie_word_embeddings", c.tieWordEmbeddings());
        o.addProperty("attention_bias", c.attentionBias());
        o.addProperty("mlp_bias", c.mlpBias());
      }
    }
    if (c.bosTokenId() != null) {
      o.addProperty("bos_token_id", c.bosTokenId());
    }
    if (c.eosTokenIds().size() == 1) {
      o.addProperty("eos_token_id", c.eosTokenIds().get(0));
    } else if (!c.eosTokenIds().isEmpty()) {
      JsonArray eos = new JsonArray();
      c.eosTokenIds().forEach(eos::add);
      o.add("eos_token_id", eos);
    }
    o.addProperty("torch_dtype", "float32");
    return o;
  }

  /**
   * Every weight the model needs, by canonical name (file name without the family prefix), with
   * its shape as stored in Hugging Face files. Insertion order is the order they are written.
   */
  public Map<String, long[]> tensorShapes(ModelConfig c) {
    Map<String, long[]> m = new LinkedHashMap<>();
    long d = c.hiddenSize();
    long ff = c.intermediateSize();
    switch (this) {
      case GPT2 -> {
        m.put("wte.weight", new long[] {c.vocabSize(), d});
        m.put("wpe.weight", new long[] {c.maxPositions(), d});
        for (int i = 0; i < c.numLayers(); i++) {
          String p = "h." + i + ".";
          m.put(p + "ln_1.weight", new long[] {d});
          m.put(p + "ln_1.bias", new long[] {d});
          m.put(p + "attn.c_attn.weight", new long[] {d, 3 * d}); // Conv1D: [in, out]
          m.put(p + "attn.c_attn.bias", new long[] {3 * d});
          m.put(p + "attn.c_proj.weight", new long[] {d, d});
          m.put(p + "attn.c_proj.bias", new long[] {d});
          m.put(p + "ln_2.weight", new long[] {d});
          m.put(p + "ln_2.bias", new long[] {d});
          m.put(p + "mlp.c_fc.weight", new long[] {d, ff});
          m.put(p + "mlp.c_fc.bias", new long[] {ff});
          m.put(p + "mlp.c_proj.weight", new long[] {ff, d});
          m.put(p + "mlp.c_proj.bias", new long[] {d});
        }
        m.put("ln_f.weight", new long[] {d});
        m.put("ln_f.bias", new long[] {d});
      }
      case LLAMA -> {
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        m.put("embed_tokens.weight", new long[] {c.vocabSize(), d});
        for (int i = 0; i < c.numLayers(); i++) {
          String p = "layers." + i + ".";
          m.put(p + "input_layernorm.weight", new long[] {d});
          linear(m, p + "self_attn.q_proj", q, d, c.attentionBias()); // Linear: [out, in]
          linear(m, p + "self_attn.k_proj", kv, d, c.attentionBias());
          linear(m, p + "self_attn.v_proj", kv, d, c.attentionBias());
          linear(m, p + "self_attn.o_proj", d, q, c.attentionBias());
          m.put(p + "post_attention_layernorm.weight", new long[] {d});
          linear(m, p + "mlp.gate_proj", ff, d, c.mlpBias());
          linear(m, p + "mlp.up_proj", ff, d, c.mlpBias());
          linear(m, p + "mlp.down_proj", d, ff, c.mlpBias());
        }
        m.put("norm.weight", new long[] {d});
        if (!c.tieWordEmbeddings()) {
          m.put("lm_head.weight", new long[] {c.vocabSize(), d});
        }
      }
    }
    return m;
  }

  private static void linear(Map<String, long[]> m, String name, long out, long in, boolean bias) {
    m.put(name + ".weight", new long[] {out, in});
    if (bias) {
      m.put(name + ".bias", new long[] {out});
    }
  }

  /**
   * Maps a tensor name found in a file to its canonical name, or returns null for a buffer that is
   * not a weight (e.g. GPT-2's {@code h.0.attn.bias} causal mask, RoPE's {@code inv_freq}).
   */
  public String canonicalName(String fileName) {
    String n = fileName.startsWith(filePrefix) ? fileName.substring(filePrefix.length()) : fileName;
    return ignored.matcher(n).matches() ? null : n;
  }

  /** The name a canonical tensor gets when written to a Hugging Face file. */
  public String fileName(String canonical) {
    return this == LLAMA && !canonical.startsWith("lm_head.") ? filePrefix + canonical : canonical;
  }

  /** Reads typed config values, naming the file and key when one is missing or of the wrong type. */
  private record ConfigReader(JsonObject json, String file) {
    int integer(String key) {
      JsonElement e = json.get(key);
      if (e == null || e.isJsonNull()) {
        throw new CheckpointException(file + ": missing key '" + key + "'");
      }
      return asInt(key, e);
    }

    Integer optionalInteger(String key) {
      JsonElement e = json.get(key);
      return e == null || e.isJsonNull() ? null : asInt(key, e);
    }

    private int asInt(String key, JsonElement e) {
      try {
        double v = e.getAsDouble();
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
          throw new NumberFormatException();
        }
        return (int) v;
      } catch (RuntimeException ex) {
        throw new CheckpointException(file + ": key '" + key + "' must be an integer, got " + e);
      }
    }

    double number(String key, double dflt) {
      JsonElement e = json.get(key);
      if (e == null || e.isJsonNull()) {
        return dflt;
      }
      try {
        return e.getAsDouble();
      } catch (RuntimeException ex) {
        throw new CheckpointException(file + ": key '" + key + "' must be a number, got " + e);
      }
    }

    boolean bool(String key, boolean dflt) {
      JsonElement e = json.get(key);
      if (e == null || e.isJsonNull()) {
        return dflt;
      }
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
        throw new CheckpointException(file + ": key '" + key + "' must be true or false, got " + e);
      }
      return e.getAsBoolean();
    }

    void require(String key, String expected) {
      JsonElement e = json.get(key);
      if (e != null && !e.isJsonNull() && !expected.equals(e.getAsString())) {
        throw new CheckpointException(file + ": " + key + "='" + e.getAsString() + "' is not supported (only '" + expected + "')");
      }
    }

    void requireFalse(String key) {
      if (bool(key, false)) {
        throw new CheckpointException(file + ": " + key + "=true is not supported");
      }
    }

    List<Integer> intList(String key) {
      JsonElement e = json.get(key);
      List<Integer> out = new ArrayList<>();
      if (e == null || e.isJsonNull()) {
        return out;
      }
      if (e.isJsonArray()) {
        for (JsonElement x : e.getAsJsonArray()) {
          out.add(asInt(key, x));
        }
      } else {
        out.add(asInt(key, e));
      }
      return out;
    }
  }
}
