package dev.sparkgen.model.config;

import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;

/**
 * Qwen3, dense ({@code Qwen3ForCausalLM}): the Llama block with an explicit {@code head_dim} (HF
 * default 128) and a per-head RMSNorm on queries ({@code q_norm}) and keys ({@code k_norm}), weight
 * [head_dim], after the projections and before RoPE. {@code attention_bias} puts biases on q, k, v
 * and o. Sliding windows as Qwen2.
 */
final class Qwen3 implements ModelFamily {
  @Override
  public String modelType() {
    return "qwen3";
  }

  @Override
  public ModelConfig read(JsonFields c) {
    ModelConfig.Builder b = LlamaDialect.read(c, this, 128, 1e-6, false);
    return b.hiddenAct(LlamaDialect.activation(c, "hidden_act", "silu"))
        .attentionBias(c.bool("attention_bias", false))
        .layerWindows(LlamaDialect.readWindows(c, c.integer("num_hidden_layers", 1, Integer.MAX_VALUE),
            LlamaDialect.WindowRule.QWEN, 4096))
        .build();
  }

  @Override
  public JsonObject write(ModelConfig c) {
    JsonObject o = LlamaDialect.write(c, "Qwen3ForCausalLM", "hidden_act", false);
    o.addProperty("attention_bias", c.attentionBias());
    LlamaDialect.writeWindows(o, c, LlamaDialect.WindowRule.QWEN);
    return o;
  }

  @Override
  public Architecture architecture(ModelConfig c) {
    boolean bias = c.attentionBias();
    return LlamaDialect.architecture(c, Architecture.NormKind.RMS_NORM, false,
        i -> LlamaDialect.layer(i, bias, bias, false, true, false));
  }
}
