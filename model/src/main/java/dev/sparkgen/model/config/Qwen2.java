package dev.sparkgen.model.config;

import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;

/**
 * Qwen2 / Qwen2.5 ({@code Qwen2ForCausalLM}): the Llama block with biases on q, k and v (always;
 * there is no key) and none on o or the MLP. A sliding window applies only when
 * {@code use_sliding_window} is true (no released config sets it), on layers
 * {@code >= max_window_layers} or as {@code layer_types} says.
 */
final class Qwen2 implements ModelFamily {
  @Override
  public String modelType() {
    return "qwen2";
  }

  @Override
  public ModelConfig read(JsonFields c) {
    ModelConfig.Builder b = LlamaDialect.read(c, this, null, 1e-6, false);
    return b.hiddenAct(LlamaDialect.activation(c, "hidden_act", "silu"))
        .attentionBias(true)
        .layerWindows(LlamaDialect.readWindows(c, c.integer("num_hidden_layers", 1, Integer.MAX_VALUE),
            LlamaDialect.WindowRule.QWEN, 4096))
        .build();
  }

  @Override
  public JsonObject write(ModelConfig c) {
    JsonObject o = LlamaDialect.write(c, "Qwen2ForCausalLM", "hidden_act", false);
    LlamaDialect.writeWindows(o, c, LlamaDialect.WindowRule.QWEN);
    return o;
  }

  @Override
  public Architecture architecture(ModelConfig c) {
    return LlamaDialect.architecture(c, Architecture.NormKind.RMS_NORM, false,
        i -> LlamaDialect.layer(i, true, false, false, false, false));
  }
}
