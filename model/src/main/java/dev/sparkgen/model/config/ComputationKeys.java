package dev.sparkgen.model.config;

import com.google.gson.JsonElement;
import dev.sparkgen.model.json.JsonFields;
import java.util.List;

/**
 * Config keys that change what a model computes in some family. After a family has read its
 * dialect, any of these that it did not read and that carries a value other than {@code null} or
 * {@code false} is refused: sparkgen would otherwise ignore it and compute something else than
 * the checkpoint's authors meant (e.g. {@code attn_logit_softcapping} on {@code llama}, a
 * {@code quantization_config} on any family).
 */
final class ComputationKeys {
  static final List<String> KEYS = List.of(
      "attn_logit_softcapping", "final_logit_softcapping", "query_pre_attn_scalar", "sliding_window",
      "use_sliding_window", "layer_types", "attention_bias", "mlp_bias", "rope_scaling", "rope_parameters",
      "partial_rotary_factor", "qk_layernorm", "use_qk_norm", "head_dim", "hidden_activation",
      "quantization_config", "num_experts", "num_local_experts", "alibi", "parallel_attn", "use_parallel_residual");

  private ComputationKeys() {}

  static void refuseUnread(JsonFields json, ModelFamily family) {
    for (String key : json.unread()) {
      if (!KEYS.contains(key)) {
        continue;
      }
      JsonElement v = json.raw(key);
      boolean neutral = v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean() && !v.getAsBoolean();
      if (!neutral) {
        throw json.error(key, "= " + json.show(key) + " is not supported with model_type '" + family.modelType()
            + "'; sparkgen refuses it rather than ignore it and compute something else");
      }
    }
  }
}
