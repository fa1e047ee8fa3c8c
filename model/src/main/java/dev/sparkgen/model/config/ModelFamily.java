package dev.sparkgen.model.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFields;
import dev.sparkgen.model.json.JsonValueException;
import dev.sparkgen.model.weights.CheckpointException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One model family, chosen by {@code config.json}'s {@code model_type}: its config dialect (read and
 * write), its tensor names and how they map onto the shared blocks ({@link Architecture}), and which
 * block options it uses. Each family is one small class in this package; adding the next one is one
 * new class, one line in {@link #all()} and its golden test.
 */
public interface ModelFamily {
  /** GPT-2: learned positions, LayerNorm, gelu_new MLP, Conv1D weights stored [in, out], tied output. */
  ModelFamily GPT2 = new Gpt2();
  /** Llama (2, 3, 3.1, 3.2, SmolLM, TinyLlama, ...): RoPE (all scaling types), RMSNorm, SwiGLU, GQA. */
  ModelFamily LLAMA = new Llama();
  /** Mistral: Llama without biases, plus a sliding window on every layer. */
  ModelFamily MISTRAL = new Mistral();
  /** Qwen2 / Qwen2.5: Llama with q/k/v biases; sliding window only with use_sliding_window. */
  ModelFamily QWEN2 = new Qwen2();
  /** Qwen3 (dense): Llama with per-head q/k RMSNorm and an explicit head_dim. */
  ModelFamily QWEN3 = new Qwen3();
  /** Gemma: scaled embeddings, (1 + w) RMSNorm, GeGLU, explicit head_dim, tied output. */
  ModelFamily GEMMA = new Gemma();
  /** Gemma 2: Gemma plus soft-capping, query_pre_attn_scalar, four norms per layer, alternating windows. */
  ModelFamily GEMMA2 = new Gemma2();
  /** Phi-3 / Phi-3.5 / Phi-4-mini: fused qkv and gate_up, longrope, partial rotary, sliding window. */
  ModelFamily PHI3 = new Phi3();

  /** Every supported family. */
  static List<ModelFamily> all() {
    return List.of(GPT2, LLAMA, MISTRAL, QWEN2, QWEN3, GEMMA, GEMMA2, PHI3);
  }

  /** The {@code model_type} string. */
  String modelType();

  /** Whether the family uses rotary position embeddings (then {@link ModelConfig#rope()} is set). */
  default boolean usesRope() {
    return true;
  }

  /** Whether the attention can rotate only the first dims of each head ({@code partial_rotary_factor}). */
  default boolean rotatesPartialHeads() {
    return false;
  }

  /**
   * The {@code original_max_position_embeddings} that every config of this family has even when
   * its {@code config.json} leaves it out (a default of the family's Hugging Face config class), or
   * null when the config class has no such attribute. transformers reads N of llama3 / yarn /
   * longrope from that attribute first (see {@link RopeParameters#read}), so a family with a default
   * never falls back to the RoPE dict or {@code max_position_embeddings}.
   */
  default Integer defaultOriginalMaxPositionEmbeddings() {
    return null;
  }

  /** The MLP activation when the config names none (Hugging Face's default for the family). */
  default String defaultHiddenAct() {
    return "silu";
  }

  /**
   * Reads this family's {@code config.json} dialect; refuses, naming the file, key and value, any
   * value it cannot compute exactly. The result is not yet validated.
   */
  ModelConfig read(JsonFields config);

  /** Writes a config in this family's Hugging Face dialect (enough to read the same config back). */
  JsonObject write(ModelConfig config);

  /** Which tensor feeds which block, for this config. */
  Architecture architecture(ModelConfig config);

  /**
   * Every weight the model needs, by canonical name (file name without the family prefix), with
   * its shape as stored in Hugging Face files. Insertion order is the order they are written.
   */
  default Map<String, long[]> tensorShapes(ModelConfig config) {
    return architecture(config).tensorShapes(config);
  }

  /**
   * Maps a tensor name found in a file to its canonical name, or returns null for a buffer that is
   * not a weight (e.g. GPT-2's {@code h.0.attn.bias} causal mask, RoPE's {@code inv_freq}). By
   * default Hugging Face's Llama-style convention: strip {@code model.}, ignore {@code inv_freq}.
   */
  default String canonicalName(String fileName) {
    String n = fileName.startsWith("model.") ? fileName.substring("model.".length()) : fileName;
    return n.endsWith("rotary_emb.inv_freq") ? null : n;
  }

  /** The name a canonical tensor gets when written to a Hugging Face file ({@code model.} + name but the output). */
  default String fileName(String canonical) {
    return canonical.startsWith("lm_head.") ? canonical : "model." + canonical;
  }

  /** Finds the family for a {@code model_type}, or fails listing the supported ones. */
  static ModelFamily of(String modelType, String file) {
    for (ModelFamily f : all()) {
      if (f.modelType().equals(modelType)) {
        return f;
      }
    }
    throw new CheckpointException(file + ": unsupported model_type '" + modelType + "'; supported: "
        + all().stream().map(ModelFamily::modelType).collect(Collectors.joining(", ")));
  }

  /**
   * Reads and validates a {@code config.json}: the family from {@code model_type}, its dialect, then
   * a refusal of any key that changes the computation in some family but is not read by this one
   * (e.g. {@code attn_logit_softcapping} on {@code llama}). Every failure is a
   * {@link CheckpointException} naming the file and key.
   */
  static ModelConfig parse(JsonFields json) {
    try {
      ModelFamily family = of(json.string("model_type"), json.source());
      ModelConfig c = family.read(json);
      ComputationKeys.refuseUnread(json, family);
      return c.validate(json.source());
    } catch (JsonValueException e) {
      throw new CheckpointException(e.getMessage(), e);
    }
  }

  /** {@link #parse(JsonFields)} of an already parsed object; {@code file} names it in messages. */
  static ModelConfig parse(JsonObject json, String file) {
    return parse(JsonFields.of(json, file));
  }

  /** Writes a config in its family's dialect, with the keys every family shares. */
  static JsonObject toJson(ModelConfig c) {
    JsonObject o = c.family().write(c);
    o.addProperty("model_type", c.family().modelType());
    o.addProperty("vocab_size", c.vocabSize());
    if (c.bosTokenId() != null) {
      o.addProperty("bos_token_id", c.bosTokenId());
    }
    if (c.eosTokenIds().size() == 1) {
      o.addProperty("eos_token_id", c.eosTokenIds().get(0));
    } else if (!c.eosTokenIds().isEmpty()) {
      JsonArray eos = new JsonArray();
      c.eosTokenIds().forEach(eos::add);
      o.add("eos_token_id", eos);
    }
    o.addProperty("torch_dtype", "float32");
    return o;
  }
}
