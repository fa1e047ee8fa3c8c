package dev.sparkgen.model.config;

import dev.sparkgen.model.weights.CheckpointException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The architecture of one decoder-only model, family-neutral: sizes and the options of the shared
 * blocks. Its {@link ModelFamily} reads and writes it in that family's {@code config.json} dialect
 * and maps it onto tensors ({@link Architecture}). Build one with {@link #builder} or through
 * {@link ModelFamily#parse}; {@link #validate} checks that the values make sense together.
 *
 * @param intermediateSize MLP inner width ({@code n_inner} / {@code intermediate_size})
 * @param maxPositions context length ({@code n_positions} / {@code max_position_embeddings})
 * @param rope rotary embedding settings; null for families with learned positions (GPT-2)
 * @param attentionBias biases on the attention projections (which ones is the family's rule)
 * @param mlpBias biases on the MLP projections (Llama {@code mlp_bias})
 * @param hiddenAct the MLP activation under Hugging Face's name ({@code gelu_new}, {@code silu},
 *     {@code gelu_pytorch_tanh}, {@code gelu}, ...)
 * @param layerWindows per layer: the sliding window W (a query sees the last W keys, itself
 *     included), or null for full causal attention; one entry per layer
 * @param attnLogitSoftcapping c in {@code c * tanh(score / c)} (Gemma 2), or null
 * @param finalLogitSoftcapping c in {@code c * tanh(logits / c)} (Gemma 2), or null
 * @param queryPreAttnScalar scores are scaled by its inverse square root (Gemma 2); null means head_dim
 * @param eosTokenIds the config's eos ids, possibly empty
 */
public record ModelConfig(
    ModelFamily family,
    int vocabSize,
    int hiddenSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    int intermediateSize,
    int maxPositions,
    double normEps,
    RopeParameters rope,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    boolean mlpBias,
    String hiddenAct,
    List<Integer> layerWindows,
    Double attnLogitSoftcapping,
    Double finalLogitSoftcapping,
    Double queryPreAttnScalar,
    Integer bosTokenId,
    List<Integer> eosTokenIds) {

  public ModelConfig {
    Objects.requireNonNull(family, "family");
    eosTokenIds = List.copyOf(eosTokenIds);
    layerWindows = layerWindows == null
        ? Collections.nCopies(Math.max(0, numLayers), null)
        : Collections.unmodifiableList(new ArrayList<>(layerWindows)); // List.copyOf refuses nulls
  }

  /**
   * The GPT-2 / plain-Llama shape of earlier releases: RoPE base {@code ropeTheta} (ignored by
   * GPT-2), the family's default activation, no sliding window, no soft-capping.
   */
  public ModelConfig(ModelFamily family, int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads,
      int headDim, int intermediateSize, int maxPositions, double normEps, double ropeTheta, boolean tieWordEmbeddings,
      boolean attentionBias, boolean mlpBias, Integer bosTokenId, List<Integer> eosTokenIds) {
    this(family, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize, maxPositions,
        normEps, family.usesRope() ? RopeParameters.plain(ropeTheta) : null, tieWordEmbeddings, attentionBias, mlpBias,
        family.defaultHiddenAct(), null, null, null, null, bosTokenId, eosTokenIds);
  }

  /** A builder with this family's defaults; sizes must be set. */
  public static Builder builder(ModelFamily family) {
    return new Builder(family);
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The sliding window of layer {@code layer}, or null for full attention. */
  public Integer slidingWindow(int layer) {
    return layerWindows.get(layer);
  }

  /** Whether any layer attends through a sliding window. */
  public boolean hasSlidingWindow() {
    return layerWindows.stream().anyMatch(Objects::nonNull);
  }

  /** Width of the query projection, {@code num_attention_heads * head_dim}. */
  public long queryWidth() {
    return (long) numHeads * headDim;
  }

  /** Width of the key (and of the value) projection, {@code num_key_value_heads * head_dim}. */
  public long keyValueWidth() {
    return (long) numKvHeads * headDim;
  }

  /**
   * Checks that the values make sense together, with sizes derived in 64-bit arithmetic; {@code file}
   * names the source in messages.
   */
  public ModelConfig validate(String file) {
    positive(file, "vocab_size", vocabSize);
    positive(file, "hidden_size", hiddenSize);
    positive(file, "num_hidden_layers", numLayers);
    positive(file, "num_attention_heads", numHeads);
    positive(file, "num_key_value_heads", numKvHeads);
    positive(file, "head_dim", headDim);
    positive(file, "intermediate_size", intermediateSize);
    positive(file, "max_position_embeddings", maxPositions);
    if (!(normEps > 0) || !Double.isFinite(normEps)) {
      throw new CheckpointException(file + ": layer norm epsilon must be > 0, got " + normEps);
    }
    if (numHeads % numKvHeads != 0) {
      throw new CheckpointException(file + ": num_attention_heads=" + numHeads
          + " is not a multiple of num_key_value_heads=" + numKvHeads);
    }
    if (family == ModelFamily.GPT2 && hiddenSize % numHeads != 0) {
      throw new CheckpointException(file + ": n_embd=" + hiddenSize + " is not divisible by n_head=" + numHeads);
    }
    // Fused projections are one tensor each: their widths must fit Java's int.
    fits(file, "(num_attention_heads + 2 * num_key_value_heads) * head_dim", queryWidth() + 2 * keyValueWidth());
    fits(file, "2 * intermediate_size", 2L * intermediateSize);
    if (family.usesRope() != (rope != null)) {
      throw new CheckpointException(file + ": model_type " + family.modelType()
          + (rope == null ? " needs rotary embedding settings" : " has no rotary embeddings"));
    }
    if (rope != null) {
      int rotary = rope.rotaryDim(headDim);
      if (rotary < 2 || rotary % 2 != 0) {
        throw new CheckpointException(file + ": head_dim=" + headDim + " with partial_rotary_factor="
            + rope.partialRotaryFactor() + " gives " + rotary + " rotary dims; RoPE needs an even number >= 2");
      }
      if (!(rope.ropeTheta() > 0) || !Double.isFinite(rope.ropeTheta())) {
        throw new CheckpointException(file + ": rope_theta must be > 0, got " + rope.ropeTheta());
      }
    }
    if (layerWindows.size() != numLayers) {
      throw new CheckpointException(file + ": " + layerWindows.size() + " layer window entries for " + numLayers + " layers");
    }
    for (Integer w : layerWindows) {
      if (w != null && w < 1) {
        throw new CheckpointException(file + ": sliding_window must be >= 1, got " + w);
      }
    }
    positiveOrNull(file, "attn_logit_softcapping", attnLogitSoftcapping);
    positiveOrNull(file, "final_logit_softcapping", finalLogitSoftcapping);
    positiveOrNull(file, "query_pre_attn_scalar", queryPreAttnScalar);
    for (Integer id : eosTokenIds) {
      if (id < 0 || id >= vocabSize) {
        throw new CheckpointException(file + ": eos_token_id=" + id + " is outside the vocabulary [0, " + vocabSize + ")");
      }
    }
    return this;
  }

  private static void positive(String file, String key, int value) {
    if (value <= 0) {
      throw new CheckpointException(file + ": " + key + " must be > 0, got " + value);
    }
  }

  private static void positiveOrNull(String file, String key, Double value) {
    if (value != null && !(value > 0 && Double.isFinite(value))) {
      throw new CheckpointException(file + ": " + key + " must be a number > 0, got " + value);
    }
  }

  private static void fits(String file, String what, long value) {
    if (value > Integer.MAX_VALUE) {
      throw new CheckpointException(file + ": " + what + " = " + value + " is more than " + Integer.MAX_VALUE);
    }
  }

  /** Number of parameters, counting a tied output matrix once. */
  public long parameterCount() {
    long n = 0;
    for (long[] shape : family.tensorShapes(this).values()) {
      long p = 1;
      for (long d : shape) {
        p = Math.multiplyExact(p, d);
      }
      n = Math.addExact(n, p);
    }
    return n;
  }

  /** Fills a {@link ModelConfig} field by field; unset options take the family's defaults. */
  public static final class Builder {
    private final ModelFamily family;
    private int vocabSize;
    private int hiddenSize;
    private int numLayers;
    private int numHeads;
    private int numKvHeads;
    private int headDim;
    private int intermediateSize;
    private int maxPositions;
    private double normEps;
    private RopeParameters rope;
    private boolean tieWordEmbeddings;
    private boolean attentionBias;
    private boolean mlpBias;
    private String hiddenAct;
    private List<Integer> layerWindows;
    private Double attnLogitSoftcapping;
    private Double finalLogitSoftcapping;
    private Double queryPreAttnScalar;
    private Integer bosTokenId;
    private List<Integer> eosTokenIds = List.of();

    private Builder(ModelFamily family) {
      this.family = family;
      this.normEps = 1e-6;
      this.rope = family.usesRope() ? RopeParameters.plain(10000.0) : null;
      this.hiddenAct = family.defaultHiddenAct();
    }

    private Builder(ModelConfig c) {
      family = c.family;
      vocabSize = c.vocabSize;
      hiddenSize = c.hiddenSize;
      numLayers = c.numLayers;
      numHeads = c.numHeads;
      numKvHeads = c.numKvHeads;
      headDim = c.headDim;
      intermediateSize = c.intermediateSize;
      maxPositions = c.maxPositions;
      normEps = c.normEps;
      rope = c.rope;
      tieWordEmbeddings = c.tieWordEmbeddings;
      attentionBias = c.attentionBias;
      mlpBias = c.mlpBias;
      hiddenAct = c.hiddenAct;
      layerWindows = c.layerWindows;
      attnLogitSoftcapping = c.attnLogitSoftcapping;
      finalLogitSoftcapping = c.finalLogitSoftcapping;
      queryPreAttnScalar = c.queryPreAttnScalar;
      bosTokenId = c.bosTokenId;
      eosTokenIds = c.eosTokenIds;
    }

    /** vocab, hidden, layers, heads, KV heads, head_dim, intermediate size, context. */
    public Builder sizes(int vocab, int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate,
        int maxPositions) {
      this.vocabSize = vocab;
      this.hiddenSize = hidden;
      this.numLayers = layers;
      this.numHeads = heads;
      this.numKvHeads = kvHeads;
      this.headDim = headDim;
      this.intermediateSize = intermediate;
      this.maxPositions = maxPositions;
      return this;
    }

    public Builder normEps(double v) {
      normEps = v;
      return this;
    }

    public Builder rope(RopeParameters v) {
      rope = v;
      return this;
    }

    public Builder tieWordEmbeddings(boolean v) {
      tieWordEmbeddings = v;
      return this;
    }

    public Builder attentionBias(boolean v) {
      attentionBias = v;
      return this;
    }

    public Builder mlpBias(boolean v) {
      mlpBias = v;
      return this;
    }

    public Builder hiddenAct(String v) {
      hiddenAct = v;
      return this;
    }

    /** Per-layer windows (null entries: full attention); null for none at all. */
    public Builder layerWindows(List<Integer> v) {
      layerWindows = v;
      return this;
    }

    public Builder attnLogitSoftcapping(Double v) {
      attnLogitSoftcapping = v;
      return this;
    }

    public Builder finalLogitSoftcapping(Double v) {
      finalLogitSoftcapping = v;
      return this;
    }

    public Builder queryPreAttnScalar(Double v) {
      queryPreAttnScalar = v;
      return this;
    }

    public Builder bosTokenId(Integer v) {
      bosTokenId = v;
      return this;
    }

    public Builder eosTokenIds(List<Integer> v) {
      eosTokenIds = v;
      return this;
    }

    /** The config (not yet validated). */
    public ModelConfig build() {
      return new ModelConfig(family, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize,
          maxPositions, normEps, rope, tieWordEmbeddings, attentionBias, mlpBias, hiddenAct, layerWindows,
          attnLogitSoftcapping, finalLogitSoftcapping, queryPreAttnScalar, bosTokenId, eosTokenIds);
    }
  }
}
