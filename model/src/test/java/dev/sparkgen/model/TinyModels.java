package dev.sparkgen.model;

import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.json.JsonFile;
import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.RandomWeights;
import dev.sparkgen.model.weights.WeightSource;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Tiny seeded model shapes covering every family and block option: GQA, MQA, MHA, tied and untied,
 * biases, every RoPE type, q/k norms, (1 + w) norms, GeGLU (tanh and erf), soft-capping, sliding
 * windows shorter than the test sequences, partial rotary and a longrope switch that rows cross
 * while decoding.
 */
public final class TinyModels {
  /** Matrices at 10x the init scale (std 0.2) so attention and logits are far from uniform. */
  static final float SHARPEN = 10f;

  private TinyModels() {}

  /** A named config, so parameterised test names say which shape failed. */
  public record Named(String name, ModelConfig config) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** The shapes the property tests run on. */
  public static List<Named> all() {
    return List.of(
        new Named("gpt2-4heads", gpt2(61, 32, 2, 4, 64, 64)),
        new Named("gpt2-3heads-1layer", gpt2(50, 48, 1, 3, 96, 40)),
        new Named("llama-gqa-4q-2kv-untied", llama(73, 32, 2, 4, 2, 8, 48, false, false, false)),
        new Named("llama-mqa-tied-biases", llama(64, 32, 2, 4, 1, 8, 40, true, true, true)),
        new Named("llama-mha-headdim16-attnbias", llama(90, 24, 2, 2, 2, 16, 32, false, true, false)),
        new Named("llama3-rope-scaling", fromJson("""
            {"model_type": "llama", "vocab_size": 70, "hidden_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 48,
             "max_position_embeddings": 64, "rope_theta": 5000,
             "rope_scaling": {"rope_type": "llama3", "factor": 4, "low_freq_factor": 1, "high_freq_factor": 2,
                              "original_max_position_embeddings": 16}}""")),
        new Named("llama-yarn-v5-layout", fromJson("""
            {"model_type": "llama", "vocab_size": 70, "hidden_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 4, "intermediate_size": 48,
             "max_position_embeddings": 64, "tie_word_embeddings": true,
             "rope_parameters": {"rope_type": "yarn", "rope_theta": 1000, "factor": 4,
                                 "original_max_position_embeddings": 16}}""")),
        new Named("mistral-window3", fromJson("""
            {"model_type": "mistral", "vocab_size": 66, "hidden_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 48,
             "max_position_embeddings": 64, "sliding_window": 3}""")),
        new Named("qwen2-qkv-bias", fromJson("""
            {"model_type": "qwen2", "vocab_size": 68, "hidden_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 1, "intermediate_size": 48,
             "max_position_embeddings": 64, "rope_theta": 1000000.0, "use_sliding_window": false,
             "sliding_window": 2}""")),
        new Named("qwen3-qk-norm-window4", fromJson("""
            {"model_type": "qwen3", "vocab_size": 72, "hidden_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "intermediate_size": 48,
             "max_position_embeddings": 64, "tie_word_embeddings": true, "use_sliding_window": true,
             "sliding_window": 4, "max_window_layers": 1}""")),
        new Named("gemma-erf-gelu", fromJson("""
            {"model_type": "gemma", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 24, "intermediate_size": 48,
             "max_position_embeddings": 64, "hidden_act": "gelu"}""")),
        new Named("gemma2-softcap-window3", fromJson("""
            {"model_type": "gemma2", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 3,
             "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "intermediate_size": 48,
             "max_position_embeddings": 64, "sliding_window": 3, "attn_logit_softcapping": 2.0,
             "final_logit_softcapping": 5.0, "query_pre_attn_scalar": 12}""")),
        new Named("phi3-longrope-crossing-partial", fromJson("""
            {"model_type": "phi3", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 48,
             "max_position_embeddings": 48, "original_max_position_embeddings": 6, "sliding_window": 5,
             "partial_rotary_factor": 0.5,
             "rope_scaling": {"type": "longrope", "short_factor": [1.1, 1.3, 1.6, 2.0],
                              "long_factor": [1.5, 3.0, 6.0, 12.0]}}""")));
  }

  /** A config from {@code config.json} text (its family's dialect, validated). */
  public static ModelConfig fromJson(String json) {
    return ModelFamily.parse(JsonFile.parseObject(json, "test config"));
  }

  /** A GPT-2 config (heads divide hidden). */
  public static ModelConfig gpt2(int vocab, int hidden, int layers, int heads, int inner, int positions) {
    return new ModelConfig(ModelFamily.GPT2, vocab, hidden, layers, heads, heads, hidden / heads, inner, positions,
        1e-5, 0, true, true, true, 0, List.of(vocab - 1)).validate("test");
  }

  /** A Llama config. */
  public static ModelConfig llama(int vocab, int hidden, int layers, int heads, int kvHeads, int headDim, int inner,
      boolean tied, boolean attentionBias, boolean mlpBias) {
    return new ModelConfig(ModelFamily.LLAMA, vocab, hidden, layers, heads, kvHeads, headDim, inner, 128, 1e-6,
        10000.0, tied, attentionBias, mlpBias, 1, List.of(2)).validate("test");
  }

  /** {@link RandomWeights} with every matrix scaled by {@link #SHARPEN}; biases and norms as drawn. */
  public static Checkpoint checkpoint(ModelConfig config, long seed) {
    Checkpoint random = RandomWeights.create(config, seed);
    Map<String, WeightSource> scaled = new LinkedHashMap<>();
    random.tensors().forEach((name, w) -> scaled.put(name, w.shape().length == 2 ? scale(w) : w));
    return new Checkpoint(config, scaled, "sharpened random weights (seed " + seed + ")", List.of());
  }

  private static WeightSource scale(WeightSource w) {
    float[] data = floats(w);
    for (int i = 0; i < data.length; i++) {
      data[i] *= SHARPEN;
    }
    return WeightSource.of(data, w.shape());
  }

  /** A model built from {@link #checkpoint}. */
  public static CausalLm model(ModelConfig config, long seed) {
    return CausalLm.of(checkpoint(config, seed));
  }

  /** All of a weight's values. */
  public static float[] floats(WeightSource w) {
    FloatBuffer buf = FloatBuffer.allocate(Math.toIntExact(w.numel()));
    w.read(0, buf.capacity(), buf);
    return buf.array();
  }

  /** Seeded random token ids in [0, vocab). */
  public static int[] tokens(SplittableRandom r, int length, int vocab) {
    int[] out = new int[length];
    for (int i = 0; i < length; i++) {
      out[i] = r.nextInt(vocab);
    }
    return out;
  }

  /** Largest absolute difference between two logits rows of equal length. */
  public static double maxDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }
}
