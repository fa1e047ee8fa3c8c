package dev.sparkgen.model.config;

import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;

/**
 * Llama ({@code LlamaForCausalLM}): RoPE with any supported scaling, RMSNorm, SiLU-gated MLP,
 * grouped-query attention; {@code attention_bias} puts biases on q, k, v and o, {@code mlp_bias} on
 * the MLP; tied when {@code tie_word_embeddings} (HF default false).
 */
final class Llama implements ModelFamily {
  @Override
  public String modelType() {
    return "llama";
  }

  @Override
  public ModelConfig read(JsonFields c) {
    ModelConfig.Builder b = LlamaDialect.read(c, this, null, 1e-6, false);
    return b.hiddenAct(LlamaDialect.activation(c, "hidden_act", "silu"))
        .attentionBias(c.bool("attention_bias", false))
        .mlpBias(c.bool("mlp_bias", false))
        .layerWindows(LlamaDialect.readWindows(c, c.integer("num_hidden_layers", 1, Integer.MAX_VALUE),
            LlamaDialect.WindowRule.NONE, null))
        .build();
  }

  @Override
  public JsonObject write(ModelConfig c) {
    JsonObject o = LlamaDialect.write(c, "LlamaForCausalLM", "hidden_act", false);
    o.addProperty("attention_bias", c.attentionBias());
    o.addProperty("mlp_bias", c.mlpBias());
    return o;
  }

  @Override
  public Architecture architecture(ModelConfig c) {
    boolean bias = c.attentionBias();
    return LlamaDialect.architecture(c, Architecture.NormKind.RMS_NORM, false,
        i -> LlamaDialect.layer(i, bias, bias, c.mlpBias(), false, false));
  }
}
