package dev.sparkgen.model.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * GPT-2 ({@code GPT2LMHeadModel}): learned absolute positions, pre-LN blocks with LayerNorm,
 * {@code gelu_new} MLP, biases everywhere, Conv1D weights stored [in, out], output tied to
 * {@code wte}. Files may carry a {@code transformer.} prefix and the non-weight buffers
 * {@code h.N.attn.bias} / {@code h.N.attn.masked_bias}.
 */
final class Gpt2 implements ModelFamily {
  private static final Pattern IGNORED = Pattern.compile("(h\\.\\d+\\.attn\\.(bias|masked_bias))|lm_head\\.weight");

  @Override
  public String modelType() {
    return "gpt2";
  }

  @Override
  public boolean usesRope() {
    return false;
  }

  @Override
  public String defaultHiddenAct() {
    return "gelu_new";
  }

  @Override
  public ModelConfig read(JsonFields c) {
    String act = c.string("activation_function", "gelu_new");
    if (!act.equals("gelu_new")) {
      throw c.error("activation_function", "= '" + act + "' is not supported (only 'gelu_new')");
    }
    for (String key : List.of("scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn")) {
      if (c.bool(key, false)) {
        throw c.error(key, "= true is not supported");
      }
    }
    if (!c.bool("scale_attn_weights", true)) {
      throw c.error("scale_attn_weights", "= false is not supported");
    }
    int hidden = c.integer("n_embd", 1, Integer.MAX_VALUE);
    int heads = c.integer("n_head", 1, Integer.MAX_VALUE);
    Integer inner = c.optionalInteger("n_inner", 1, Integer.MAX_VALUE);
    if (inner == null) {
      long derived = 4L * hidden; // HF: n_inner null means 4 * n_embd; 64-bit so that it cannot wrap
      if (derived > Integer.MAX_VALUE) {
        throw c.error("n_embd", "= " + hidden + " makes the MLP width 4 * n_embd = " + derived + " (n_inner is not"
            + " given), more than " + Integer.MAX_VALUE);
      }
      inner = (int) derived;
    }
    if (hidden % heads != 0) {
      throw c.error("n_embd", "= " + hidden + " is not divisible by n_head=" + heads);
    }
    return ModelConfig.builder(this)
        .sizes(c.integer("vocab_size", 1, Integer.MAX_VALUE), hidden, c.integer("n_layer", 1, Integer.MAX_VALUE), heads,
            heads, hidden / heads, inner, c.integer("n_positions", 1, Integer.MAX_VALUE))
        .normEps(c.positive("layer_norm_epsilon", 1e-5))
        .tieWordEmbeddings(true)
        .attentionBias(true)
        .mlpBias(true)
        .hiddenAct(act)
        .bosTokenId(c.optionalInteger("bos_token_id", 0, Integer.MAX_VALUE))
        .eosTokenIds(c.integers("eos_token_id", 0, Integer.MAX_VALUE))
        .build();
  }

  @Override
  public JsonObject write(ModelConfig c) {
    JsonObject o = new JsonObject();
    JsonArray arch = new JsonArray();
    arch.add("GPT2LMHeadModel");
    o.add("architectures", arch);
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
    return o;
  }

  @Override
  public Architecture architecture(ModelConfig c) {
    List<Architecture.Layer> layers = new ArrayList<>();
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "h." + i + ".";
      layers.add(new Architecture.Layer(Architecture.Param.linear(p + "ln_1", true),
          List.of(Architecture.Param.linear(p + "attn.c_attn", true)), Architecture.Param.linear(p + "attn.c_proj", true),
          null, null, null, Architecture.Param.linear(p + "ln_2", true), false,
          List.of(Architecture.Param.linear(p + "mlp.c_fc", true)), Architecture.Param.linear(p + "mlp.c_proj", true), null));
    }
    return new Architecture("wte.weight", "wpe.weight", false, Architecture.NormKind.LAYER_NORM, true, layers,
        Architecture.Param.linear("ln_f", true), null);
  }

  @Override
  public String canonicalName(String fileName) {
    String n = fileName.startsWith("transformer.") ? fileName.substring("transformer.".length()) : fileName;
    return IGNORED.matcher(n).matches() ? null : n;
  }

  @Override
  public String fileName(String canonical) {
    return canonical;
  }
}
