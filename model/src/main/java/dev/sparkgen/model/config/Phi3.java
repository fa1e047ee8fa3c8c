package dev.sparkgen.model.config;

import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;

/**
 * Phi-3 / Phi-3.5 / Phi-4-mini ({@code Phi3ForCausalLM}): the Llama block stored with fused
 * {@code qkv_proj} [(H + 2K) hd, hidden] (q rows, then k, then v) and {@code gate_up_proj}
 * [2 ff, hidden] (gate, then up), which are exactly the fused layouts the shared blocks use, so
 * nothing is split; no biases; RMSNorm eps default 1e-5; {@code partial_rotary_factor};
 * {@code longrope} with the top-level {@code original_max_position_embeddings} (default 4096, see
 * {@link #defaultOriginalMaxPositionEmbeddings}); a sliding window on every layer when
 * {@code sliding_window} is set (HF default null).
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

  /**
   * 4096: transformers' {@code Phi3Config} declares {@code original_max_position_embeddings: int =
   * 4096} ("The maximum sequence length that this model was trained with. This is used to determine
   * the size of the original RoPE embeddings when using long scaling."; v4's {@code __init__} has
   * the same default), so a Phi-3 config without the key still has the attribute, and
   * {@code RotaryEmbeddingConfigMixin.standardize_rope_params} (v5) copies it into the RoPE dict
   * for longrope ("Phi3 ... save {@code original_max_position_embeddings} field containing the
   * pretrained value outside rope parameters. This is an exception case where we give priority to
   * {@code self.original_max_position_embeddings}"); v4's {@code _compute_longrope_parameters}
   * reads the attribute as well ({@code if hasattr(config, "original_max_position_embeddings")}).
   */
  @Override
  public Integer defaultOriginalMaxPositionEmbeddings() {
    return 4096;
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
