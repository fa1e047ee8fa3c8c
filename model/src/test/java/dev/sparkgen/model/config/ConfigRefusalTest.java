package dev.sparkgen.model.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.model.json.JsonFields;
import dev.sparkgen.model.weights.CheckpointException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Every config value sparkgen cannot compute exactly is refused before any work, with the file,
 * the key (its full path) and the value in one line; and the keys it does read are read as
 * Hugging Face reads them (both RoPE layouts, defaults, precedence).
 */
class ConfigRefusalTest {
  static final String FILE = "/models/m/config.json";

  static final String LLAMA = """
      {"model_type": "llama", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 2,
       "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 48,
       "max_position_embeddings": 128, "rope_theta": 10000.0}""";

  // ---- RoPE ----

  @Test
  void dynamicRopeIsRefusedNamingFileKeyAndValue() {
    refused(LLAMA, c -> c.add("rope_scaling", json("{\"type\": \"dynamic\", \"factor\": 2.0}")),
        FILE + ": key 'rope_scaling.type' = 'dynamic' is not supported (supported: default, linear, llama3, yarn,"
            + " longrope); dynamic NTK scaling recomputes the frequencies from each sequence's length");
    refused(LLAMA, c -> c.add("rope_parameters", json("{\"rope_type\": \"ntk-by-parts\", \"rope_theta\": 5.0}")),
        "key 'rope_parameters.rope_type' = 'ntk-by-parts' is not supported");
  }

  @Test
  void contradictoryTypeKeysAreRefused() {
    refused(LLAMA, c -> c.add("rope_scaling", json("{\"type\": \"linear\", \"rope_type\": \"yarn\", \"factor\": 2}")),
        "key 'rope_scaling.type' = 'linear' contradicts rope_type 'yarn'");
  }

  @Test
  void missingOrOutOfRangeScalingValuesAreRefused() {
    refused(LLAMA, c -> c.add("rope_scaling", json("{\"type\": \"linear\"}")),
        "key 'rope_scaling.factor' is required by rope type 'linear'");
    refused(LLAMA, c -> c.add("rope_scaling", json("{\"type\": \"linear\", \"factor\": 0.5}")),
        "key 'rope_scaling.factor' must be a number >= 1, got 0.5");
    refused(LLAMA, c -> c.add("rope_scaling", json("{\"rope_type\": \"llama3\", \"factor\": 8, \"high_freq_factor\": 4}")),
        "key 'rope_scaling.low_freq_factor' is required by rope type 'llama3'");
    refused(LLAMA, c -> c.add("rope_scaling",
        json("{\"rope_type\": \"llama3\", \"factor\": 8, \"low_freq_factor\": 4, \"high_freq_factor\": 1}")),
        "key 'rope_scaling.high_freq_factor' = 1.0 must be greater than low_freq_factor = 4.0");
    refused(LLAMA, c -> c.add("rope_scaling", json("{\"rope_type\": \"yarn\", \"factor\": 4, \"attention_factor\": -1}")),
        "key 'rope_scaling.attention_factor' must be > 0, got -1.0");
    refused(LLAMA, c -> c.addProperty("rope_theta", 0), "key 'rope_theta' must be a number > 0, got 0");
    refused(LLAMA, c -> c.add("rope_parameters", json("{\"rope_type\": \"default\", \"rope_theta\": \"big\"}")),
        "key 'rope_parameters.rope_theta' must be a number, got \"big\"");
  }

  @Test
  void longropeFactorsMustCoverEveryRotaryPair() {
    // head_dim 8, partial_rotary_factor 0.5: 4 rotary dims, 2 pairs
    refused(phi3("[1, 1]", "[2, 2, 2]"), c -> { }, "key 'rope_scaling.long_factor' has 3 numbers; the 4 rotary dims need 2");
    refused(phi3("[1, 1]", null), c -> { }, "key 'rope_scaling.long_factor' is required by rope type 'longrope'");
    refused(phi3("[1, 0]", "[2, 2]"), c -> { }, "key 'rope_scaling.short_factor[1]' must be > 0, got 0.0");
  }

  @Test
  void phi3WithoutOriginalMaxPositionEmbeddingsGetsPhi3ConfigsDefault4096() {
    // Phi3Config declares original_max_position_embeddings = 4096, and transformers prefers that
    // attribute to the RoPE dict's (standardize_rope_params): N = 4096, and with no factor the
    // attention factor is sqrt(1 + ln(f) / ln(N)) with f = max_position_embeddings / N.
    JsonObject o = edit(phi3("[1, 1]", "[2, 2]"), c -> {
      c.remove("original_max_position_embeddings");
      c.addProperty("max_position_embeddings", 131072);
    });
    ModelConfig c = parse(o);
    assertEquals(4096, c.rope().originalMaxPositionEmbeddings());
    dev.sparkgen.model.nn.RopeFrequencies f = dev.sparkgen.model.nn.RopeFrequencies.of(c.rope(), c.headDim(), c.maxPositions());
    assertEquals(4096, f.longAfter());
    assertEquals((float) Math.sqrt(1 + Math.log(32) / Math.log(4096)), f.attentionFactor(), 1e-7);
    JsonObject same = edit(o.toString(), x -> x.getAsJsonObject("rope_scaling").addProperty("original_max_position_embeddings", 4096));
    assertEquals(c, parse(same), "the dict may repeat the value transformers uses");
    // Elsewhere the config class has no such attribute: the dict's value, else max_position_embeddings.
    ModelConfig llama = parse(edit(LLAMA, x -> x.add("rope_scaling", json("{\"rope_type\": \"yarn\", \"factor\": 4}"))));
    assertEquals(128, llama.rope().originalMaxPositionEmbeddings());
  }

  @Test
  void anOriginalMaxPositionEmbeddingsThatTransformersOverridesIsRefused() {
    refused(phi3("[1, 1]", "[2, 2]"), c -> {
      c.remove("original_max_position_embeddings");
      c.getAsJsonObject("rope_scaling").addProperty("original_max_position_embeddings", 8192);
    }, "key 'rope_scaling.original_max_position_embeddings' = 8192 is not what transformers uses: for model_type 'phi3'"
        + " the top-level original_max_position_embeddings (absent: the default 4096) wins");
    refused(LLAMA, c -> {
      c.addProperty("original_max_position_embeddings", 32);
      c.add("rope_scaling", json("{\"rope_type\": \"yarn\", \"factor\": 4, \"original_max_position_embeddings\": 64}"));
    }, "key 'rope_scaling.original_max_position_embeddings' = 64 is not what transformers uses: for model_type 'llama'"
        + " the top-level original_max_position_embeddings (32) wins");
  }

  @Test
  void partialRotaryIsRefusedOutsidePhi3AndOutOfRange() {
    refused(LLAMA, c -> c.addProperty("partial_rotary_factor", 0.5),
        "key 'partial_rotary_factor' = 0.5 is not supported with model_type 'llama': its attention rotates whole heads");
    refused(phi3("[1, 1]", "[2, 2]"), c -> c.addProperty("partial_rotary_factor", 1.5),
        "key 'partial_rotary_factor' must be in (0, 1], got 1.5");
    refused(phi3("[1, 1]", "[2, 2]"), c -> c.addProperty("partial_rotary_factor", 0.2),
        "key 'partial_rotary_factor' = 0.2 gives 1 rotary dims of head_dim 8; RoPE needs an even number >= 2");
  }

  // ---- activations ----

  @Test
  void unsupportedActivationsAreRefused() {
    refused(LLAMA, c -> c.addProperty("hidden_act", "relu2"),
        "key 'hidden_act' = 'relu2' is not supported (supported: gelu, gelu_new, gelu_pytorch_tanh, silu, swish)");
    refused(GEMMA2, c -> c.addProperty("hidden_activation", "quick_gelu"), "key 'hidden_activation' = 'quick_gelu'");
    refused(GEMMA, c -> {
      c.addProperty("hidden_act", "gelu");
      c.addProperty("hidden_activation", "gelu_pytorch_tanh");
    }, "key 'hidden_activation' = 'gelu_pytorch_tanh' contradicts hidden_act = 'gelu'; transformers >= 4.48 uses"
        + " hidden_act for gemma");
  }

  // ---- keys a family does not have ----

  @Test
  void keysThatChangeTheComputationElsewhereAreRefusedWhereUnsupported() {
    refused(LLAMA, c -> c.addProperty("attn_logit_softcapping", 50.0),
        FILE + ": key 'attn_logit_softcapping' = 50.0 is not supported with model_type 'llama'; sparkgen refuses it"
            + " rather than ignore it and compute something else");
    refused(GEMMA, c -> c.addProperty("final_logit_softcapping", 30.0), "key 'final_logit_softcapping' = 30.0");
    refused(LLAMA, c -> c.addProperty("sliding_window", 4096), "key 'sliding_window' = 4096 is not supported");
    refused(MISTRAL, c -> c.addProperty("use_sliding_window", true), "key 'use_sliding_window' = true");
    refused(MISTRAL, c -> c.addProperty("attention_bias", true), "key 'attention_bias' = true");
    refused(QWEN2, c -> c.addProperty("mlp_bias", true), "key 'mlp_bias' = true");
    refused(LLAMA, c -> c.add("quantization_config", json("{\"quant_method\": \"gptq\", \"bits\": 4}")),
        "key 'quantization_config' = {\"quant_method\":\"gptq\",\"bits\":4} is not supported with model_type 'llama'");
  }

  @Test
  void neutralValuesOfForeignKeysAreAccepted() {
    ModelConfig c = parse(edit(MISTRAL, j -> {
      j.addProperty("attention_bias", false);
      j.addProperty("use_sliding_window", false);
      j.add("attn_logit_softcapping", com.google.gson.JsonNull.INSTANCE);
    }));
    assertEquals(3, c.slidingWindow(0));
  }

  @Test
  void badLayerTypesAreRefused() {
    refused(GEMMA2, c -> c.add("layer_types", json("[\"sliding_attention\", \"chunked_attention\"]")),
        "key 'layer_types[1]' = 'chunked_attention' is not supported (sliding_attention, full_attention)");
    refused(GEMMA2, c -> c.add("layer_types", json("[\"sliding_attention\"]")),
        "key 'layer_types' lists 1 layers; num_hidden_layers is 2");
    refused(LLAMA, c -> c.add("layer_types", json("[\"sliding_attention\", \"full_attention\"]")),
        "asks for sliding windows, which this model_type does not have");
  }

  @Test
  void softcapsAndScalarsMustBePositive() {
    refused(GEMMA2, c -> c.addProperty("attn_logit_softcapping", 0), "attn_logit_softcapping must be a number > 0, got 0.0");
    refused(GEMMA2, c -> c.addProperty("query_pre_attn_scalar", -4), "query_pre_attn_scalar must be a number > 0");
    refused(MISTRAL, c -> c.addProperty("sliding_window", 0), "key 'sliding_window' must be an integer >= 1, got 0");
  }

  // ---- how accepted keys are read ----

  @Test
  void v5LayoutKeepsTheBaseInsideRopeParameters() {
    ModelConfig c = parse(edit(LLAMA, j -> {
      j.remove("rope_theta");
      j.add("rope_parameters", json("{\"rope_type\": \"linear\", \"factor\": 2, \"rope_theta\": 5000}"));
    }));
    assertEquals("linear", c.rope().ropeType());
    assertEquals(5000.0, c.rope().ropeTheta()); // not the silent default of 10000
    ModelConfig both = parse(edit(LLAMA, j -> {
      j.add("rope_scaling", json("{\"type\": \"linear\", \"factor\": 3}"));
      j.add("rope_parameters", json("{\"rope_type\": \"linear\", \"factor\": 2, \"rope_theta\": 5000}"));
    }));
    assertEquals(3.0, both.rope().factor(), "a non-null rope_scaling wins");
    assertEquals(10000.0, both.rope().ropeTheta());
  }

  @Test
  void absentAndNullDifferWhereHuggingFaceDefaultsDiffer() {
    ModelConfig absent = parse(edit(MISTRAL, j -> j.remove("sliding_window")));
    assertEquals(4096, absent.slidingWindow(1), "MistralConfig's default window");
    ModelConfig off = parse(edit(MISTRAL, j -> j.add("sliding_window", com.google.gson.JsonNull.INSTANCE)));
    assertEquals(null, off.slidingWindow(1));
    ModelConfig gemma2 = parse(edit(GEMMA2, j -> {
      j.remove("attn_logit_softcapping");
      j.add("final_logit_softcapping", com.google.gson.JsonNull.INSTANCE);
    }));
    assertEquals(50.0, gemma2.attnLogitSoftcapping());
    assertEquals(null, gemma2.finalLogitSoftcapping());
    assertEquals(3, gemma2.slidingWindow(0));
    assertEquals(null, gemma2.slidingWindow(1), "odd layers are global");
  }

  @Test
  void qwenWindowsNeedUseSlidingWindowAndStartAtMaxWindowLayers() {
    assertEquals(java.util.Arrays.asList(null, null), parse(QWEN2).layerWindows());
    ModelConfig on = parse(edit(QWEN2, j -> {
      j.addProperty("use_sliding_window", true);
      j.addProperty("max_window_layers", 1);
    }));
    assertEquals(java.util.Arrays.asList(null, 5), on.layerWindows());
  }

  @Test
  void everyFamilyWritesAConfigThatReadsBackEqual() {
    for (String json : new String[] {LLAMA, MISTRAL, QWEN2, GEMMA, GEMMA2, phi3("[1, 1]", "[2, 2]")}) {
      ModelConfig c = parse(json);
      assertEquals(c, ModelFamily.parse(ModelFamily.toJson(c), "written"), json);
    }
  }

  // ---- fixtures and helpers ----

  static final String MISTRAL = LLAMA.replace("\"llama\"", "\"mistral\"").replace("10000.0}", "10000.0, \"sliding_window\": 3}");
  static final String QWEN2 = LLAMA.replace("\"llama\"", "\"qwen2\"").replace("10000.0}", "10000.0, \"sliding_window\": 5}");
  static final String GEMMA = LLAMA.replace("\"llama\"", "\"gemma\"").replace("10000.0}", "10000.0, \"head_dim\": 8}");
  static final String GEMMA2 = LLAMA.replace("\"llama\"", "\"gemma2\"")
      .replace("10000.0}", "10000.0, \"head_dim\": 8, \"sliding_window\": 3, \"attn_logit_softcapping\": 5.0}");

  static String phi3(String shortFactor, String longFactor) {
    return LLAMA.replace("\"llama\"", "\"phi3\"").replace("10000.0}", "10000.0, \"partial_rotary_factor\": 0.5,"
        + " \"original_max_position_embeddings\": 32, \"rope_scaling\": {\"type\": \"longrope\", \"short_factor\": "
        + shortFactor + (longFactor == null ? "" : ", \"long_factor\": " + longFactor) + "}}");
  }

  private static JsonObject edit(String base, Consumer<JsonObject> change) {
    JsonObject o = json(base).getAsJsonObject();
    change.accept(o);
    return o;
  }

  private static com.google.gson.JsonElement json(String text) {
    return JsonParser.parseString(text);
  }

  private static ModelConfig parse(String text) {
    return parse(json(text).getAsJsonObject());
  }

  private static ModelConfig parse(JsonObject o) {
    return ModelFamily.parse(JsonFields.of(o, FILE));
  }

  private static void refused(String base, Consumer<JsonObject> change, String fragment) {
    JsonObject o = edit(base, change);
    CheckpointException e = assertThrows(CheckpointException.class, () -> parse(o), o::toString);
    assertTrue(e.getMessage().startsWith(FILE + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), "message lacks '" + fragment + "': " + e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }
}
