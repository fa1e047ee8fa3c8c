package dev.sparkgen.model.config;

import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;

/**
 * Gemma ({@code GemmaForCausalLM}): embeddings multiplied by sqrt(hidden_size), every RMSNorm
 * {@code x / rms(x) * (1 + w)}, gated MLP with {@code hidden_act} (HF default
 * {@code gelu_pytorch_tanh}; the original gemma-2b/7b configs say {@code gelu}, the exact erf GELU,
 * which is what transformers >= 4.48 computes for them), explicit {@code head_dim} (HF default 256),
 * tied output (HF default; real configs have no {@code tie_word_embeddings} key).
 */
final class Gemma implements ModelFamily {
  @Override
  public String modelType() {
    return "gemma";
  }

  @Override
  public String defaultHiddenAct() {
    return "gelu_pytorch_tanh";
  }

  @Override
  public ModelConfig read(JsonFields c) {
    ModelConfig.Builder b = LlamaDialect.read(c, this, 256, 1e-6, true);
    String act = LlamaDialect.activation(c, "hidden_act", "gelu_pytorch_tanh");
    // transformers 4.40-4.47 used hidden_activation instead (tanh GELU when null): if both are given
    // and differ, the result depends on the version, so refuse instead of guessing.
    String old = c.string("hidden_activation", null);
    if (old != null && !old.equals(act)) {
      throw c.error("hidden_activation", "= '" + old + "' contradicts hidden_act = '" + act + "'; transformers >= 4.48"
          + " uses hidden_act for gemma, 4.40-4.47 used hidden_activation: make them agree");
    }
    return b.hiddenAct(act)
        .attentionBias(c.bool("attention_bias", false))
        .layerWindows(LlamaDialect.readWindows(c, c.integer("num_hidden_layers", 1, Integer.MAX_VALUE),
            LlamaDialect.WindowRule.NONE, null))
        .build();
  }

  @Override
  public JsonObject write(ModelConfig c) {
    JsonObject o = LlamaDialect.write(c, "GemmaForCausalLM", "hidden_act", false);
    o.addProperty("hidden_activation", c.hiddenAct());
    o.addProperty("attention_bias", c.attentionBias());
    return o;
  }

  @Override
  public Architecture architecture(ModelConfig c) {
    boolean bias = c.attentionBias();
    return LlamaDialect.architecture(c, Architecture.NormKind.RMS_NORM_PLUS_ONE, true,
        i -> LlamaDialect.layer(i, bias, bias, false, false, false));
  }
}
