package dev.sparkgen.model.config;

import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;


/**
 * Gemma 2 ({@code Gemma2ForCausalLM}): Gemma (scaled embeddings, {@code (1 + w)} norms, GeGLU with
 * {@code hidden_activation}, tied) with four norms per layer
 * ({@code post_attention_layernorm} normalises the attention output,
 * {@code pre_feedforward_layernorm} / {@code post_feedforward_layernorm} wrap the MLP), scores
 * scaled by {@code query_pre_attn_scalar^-0.5} then soft-capped by {@code attn_logit_softcapping},
 * final logits soft-capped by {@code final_logit_softcapping} (HF's eager attention, its default
 * for Gemma 2), and a sliding window on even layers. Absent keys take HF's defaults (caps 50 and
 * 30, scalar 256, window 4096); present nulls switch the feature off.
 */
final class Gemma2 implements ModelFamily {
  @Override
  public String modelType() {
    return "gemma2";
  }

  @Override
  public String defaultHiddenAct() {
    return "gelu_pytorch_tanh";
  }

  @Override
  public ModelConfig read(JsonFields c) {
    ModelConfig.Builder b = LlamaDialect.read(c, this, 256, 1e-6, true);
    c.raw("hidden_act"); // Gemma 2 always uses hidden_activation; hidden_act is not read by HF either
    return b.hiddenAct(LlamaDialect.activation(c, "hidden_activation", "gelu_pytorch_tanh"))
        .attentionBias(c.bool("attention_bias", false))
        .attnLogitSoftcapping(defaulted(c, "attn_logit_softcapping", 50.0))
        .finalLogitSoftcapping(defaulted(c, "final_logit_softcapping", 30.0))
        .queryPreAttnScalar(defaulted(c, "query_pre_attn_scalar", 256.0))
        .layerWindows(LlamaDialect.readWindows(c, c.integer("num_hidden_layers", 1, Integer.MAX_VALUE),
            LlamaDialect.WindowRule.EVEN_LAYERS, 4096))
        .build();
  }

  /** HF's default when the key is absent; null when it is present as null. */
  private static Double defaulted(JsonFields c, String key, double dflt) {
    return c.keys().contains(key) ? c.optionalNumber(key) : Double.valueOf(dflt);
  }

  @Override
  public JsonObject write(ModelConfig c) {
    JsonObject o = LlamaDialect.write(c, "Gemma2ForCausalLM", "hidden_activation", false);
    o.addProperty("hidden_act", c.hiddenAct());
    o.addProperty("attention_bias", c.attentionBias());
    o.addProperty("attn_logit_softcapping", c.attnLogitSoftcapping());
    o.addProperty("final_logit_softcapping", c.finalLogitSoftcapping());
    o.addProperty("query_pre_attn_scalar", c.queryPreAttnScalar());
    LlamaDialect.writeWindows(o, c, LlamaDialect.WindowRule.EVEN_LAYERS);
    return o;
  }

  @Override
  public Architecture architecture(ModelConfig c) {
    boolean bias = c.attentionBias();
    return LlamaDialect.architecture(c, Architecture.NormKind.RMS_NORM_PLUS_ONE, true, i -> {
      Architecture.Layer l = LlamaDialect.layer(i, bias, bias, false, false, false);
      String p = "layers." + i + ".";
      return new Architecture.Layer(l.inputNorm(), l.qkv(), l.out(), null, null,
          Architecture.Param.of(p + "post_attention_layernorm.weight"),
          Architecture.Param.of(p + "pre_feedforward_layernorm.weight"), true, l.mlpIn(), l.mlpOut(),
          Architecture.Param.of(p + "post_feedforward_layernorm.weight"));
    });
  }

}
