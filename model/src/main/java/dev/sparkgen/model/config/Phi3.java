package dev.sparkgen.model.config;

import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;

/**
 * Phi-3 / Phi-3.5 / Phi-4-mini ({@code Phi3ForCausalLM}): the Llama block stored with fused
 * {@code qkv_proj} [(H + 2K) hd, hidden] (q rows, then k, then v) and {@code gate_up_proj}
 * [2 ff, hidden] (gate, then up), which are exactly the fused layouts the shared blocks use, so
 * nothing is split; no biases; RMSNorm eps default 1e-5; {@code partial_rotary_factor};
 * {@code longrope} with the top-level {@code original_max_position_embeddings}; a sliding window on
 * every layer when {@code sliding_window} is set (HF default null).
 */
final class Phi3 implements ModelFamily {
  @Override
  public String modelType() {
    return "phi3";
  }

  @Override
  public boolean rotatesPartialHeads() {
    return true;
  }

  @Override
  public ModelConfig read(JsonFields c) {
    ModelConfig.Builder b = LlamaDialect.read(c, this, null, 1e-5, false);
    return b.hiddenAct(LlamaDialect.activation(c, "hidden_act", "silu"))
        .layerWindows(LlamaDialect.readWindows(c, c.integer("num_hidden_layers", 1, Integer.MAX_VALUE),
            LlamaDialect.WindowRule.EVERY_LAYER, null))
        .build();
  }

  @Override
  public JsonObject write(ModelConfig c) {
    JsonObject o = LlamaDialect.write(c, "Phi3ForCausalLM", "hidden_act", true);
    LlamaDialect.writeWindows(o, c, LlamaDialect.WindowRule.EVERY_LAYER);
    return o;
  }

  @Override
  public Architecture architecture(ModelConfig c) {
    return LlamaDialect.architecture(c, Architecture.NormKind.RMS_NORM, false,
        i -> LlamaDialect.layer(i, false, false, false, false, true));
  }
}
