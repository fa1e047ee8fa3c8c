package dev.sparkgen.model.config;

import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;

/**
 * Mistral ({@code MistralForCausalLM}): the Llama block without biases (transformers hard-codes
 * none), an optional {@code head_dim}, and {@code sliding_window} W on every layer: a query sees
 * its last W keys, itself included. A present {@code null} means full attention; an absent key
 * means HF's default of 4096.
 */
final class Mistral implements ModelFamily {
  @Override
  public String modelType() {
    return "mistral";
  }

  @Override
  public ModelConfig read(JsonFields c) {
    ModelConfig.Builder b = LlamaDialect.read(c, this, null, 1e-6, false);
    return b.hiddenAct(LlamaDialect.activation(c, "hidden_act", "silu"))
        .layerWindows(LlamaDialect.readWindows(c, c.integer("num_hidden_layers", 1, Integer.MAX_VALUE),
            LlamaDialect.WindowRule.EVERY_LAYER, 4096))
        .build();
  }

  @Override
  public JsonObject write(ModelConfig c) {
    JsonObject o = LlamaDialect.write(c, "MistralForCausalLM", "hidden_act", false);
    LlamaDialect.writeWindows(o, c, LlamaDialect.WindowRule.EVERY_LAYER);
    return o;
  }

  @Override
  public Architecture architecture(ModelConfig c) {
    return LlamaDialect.architecture(c, Architecture.NormKind.RMS_NORM, false,
        i -> LlamaDialect.layer(i, false, false, false, false, false));
  }
}
