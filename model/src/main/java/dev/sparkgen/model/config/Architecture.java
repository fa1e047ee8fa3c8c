package dev.sparkgen.model.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which tensor (by canonical name: the file's name without the family's prefix) feeds which part of
 * the shared blocks, and the structural options a family fixes (norm kind, embedding scale, weight
 * layout). A family describes itself with one of these; {@code CausalLm} builds the blocks from it,
 * and the shapes every checkpoint must have are derived from it ({@link #tensorShapes}).
 *
 * @param embedding token embedding [vocab, hidden]
 * @param positionEmbedding learned positions [context, hidden] (GPT-2), or null (RoPE)
 * @param scaleEmbedding multiply embeddings by sqrt(hidden) in the compute dtype (Gemma)
 * @param norm the kind of every norm of the model
 * @param conv1d matrices stored [in, out] (GPT-2's Conv1D) instead of Linear's [out, in]
 * @param layers one entry per layer
 * @param finalNorm the norm before the output projection
 * @param lmHead the output matrix [vocab, hidden], or null when tied to {@code embedding}
 */
public record Architecture(
    String embedding,
    String positionEmbedding,
    boolean scaleEmbedding,
    NormKind norm,
    boolean conv1d,
    List<Layer> layers,
    Param finalNorm,
    String lmHead) {

  public Architecture {
    layers = List.copyOf(layers);
  }

  /** How every norm of the model computes. */
  public enum NormKind {
    /** {@code (x - mean) / sqrt(var + eps) * w + b} (GPT-2). */
    LAYER_NORM,
    /** {@code x / sqrt(mean(x^2) + eps) * w} (Llama), in float32. */
    RMS_NORM,
    /** {@code x / sqrt(mean(x^2) + eps) * (1 + w)}: Gemma stores the weight as an offset from 1. */
    RMS_NORM_PLUS_ONE
  }

  /** A weight and its bias (null when it has none). */
  public record Param(String weight, String bias) {
    /** A weight without bias. */
    public static Param of(String weight) {
      return new Param(weight, null);
    }

    /** {@code name.weight} and, if {@code bias}, {@code name.bias}. */
    public static Param linear(String name, boolean bias) {
      return new Param(name + ".weight", bias ? name + ".bias" : null);
    }
  }

  /**
   * One decoder layer: {@code h = x + postAttentionNorm(attn(inputNorm(x)))},
   * {@code out = h + postMlpNorm(mlp(preMlpNorm(h)))}; the two post-norms are null except in Gemma 2.
   *
   * @param qkv the q, k, v projections: one fused [(H + 2K) hd, hidden] tensor, or three
   * @param out the output projection [hidden, H hd]
   * @param qNorm per-head RMSNorm weight [head_dim] on queries before RoPE (Qwen3), or null
   * @param kNorm the same for keys, or null
   * @param gated MLP {@code down(act(gate(x)) * up(x))} (true) or {@code down(act(fc(x)))} (GPT-2)
   * @param mlpIn gated: gate and up fused in one [2 ff, hidden] tensor, or two [ff, hidden]; else fc
   * @param mlpOut the down projection [hidden, ff]
   */
  public record Layer(
      Param inputNorm,
      List<Param> qkv,
      Param out,
      String qNorm,
      String kNorm,
      Param postAttentionNorm,
      Param preMlpNorm,
      boolean gated,
      List<Param> mlpIn,
      Param mlpOut,
      Param postMlpNorm) {
    public Layer {
      qkv = List.copyOf(qkv);
      mlpIn = List.copyOf(mlpIn);
      if (qkv.size() != 1 && qkv.size() != 3) {
        throw new IllegalArgumentException("qkv is one fused tensor or three, got " + qkv.size());
      }
      if (mlpIn.size() != 1 && !(gated && mlpIn.size() == 2)) {
        throw new IllegalArgumentException("mlpIn is one tensor, or two for a gated MLP, got " + mlpIn.size());
      }
    }
  }

  /**
   * Every weight the model needs, by canonical name, with its shape as stored in Hugging Face files
   * (sizes in 64-bit). Insertion order is the order they are written: embeddings, then each layer
   * in block order, then the final norm and output.
   */
  public Map<String, long[]> tensorShapes(ModelConfig c) {
    Map<String, long[]> m = new LinkedHashMap<>();
    long d = c.hiddenSize();
    long ff = c.intermediateSize();
    long q = c.queryWidth();
    long kv = c.keyValueWidth();
    m.put(embedding, new long[] {c.vocabSize(), d});
    if (positionEmbedding != null) {
      m.put(positionEmbedding, new long[] {c.maxPositions(), d});
    }
    for (Layer l : layers) {
      norm(m, l.inputNorm, d);
      if (l.qkv.size() == 1) {
        matrix(m, l.qkv.get(0), q + 2 * kv, d);
      } else {
        matrix(m, l.qkv.get(0), q, d);
        matrix(m, l.qkv.get(1), kv, d);
        matrix(m, l.qkv.get(2), kv, d);
      }
      if (l.qNorm != null) {
        m.put(l.qNorm, new long[] {c.headDim()});
      }
      if (l.kNorm != null) {
        m.put(l.kNorm, new long[] {c.headDim()});
      }
      matrix(m, l.out, d, q);
      norm(m, l.postAttentionNorm, d);
      norm(m, l.preMlpNorm, d);
      for (Param p : l.mlpIn) {
        matrix(m, p, l.gated && l.mlpIn.size() == 1 ? 2 * ff : ff, d);
      }
      matrix(m, l.mlpOut, d, ff);
      norm(m, l.postMlpNorm, d);
    }
    norm(m, finalNorm, d);
    if (lmHead != null) {
      m.put(lmHead, new long[] {c.vocabSize(), d});
    }
    return m;
  }

  private void matrix(Map<String, long[]> m, Param p, long out, long in) {
    m.put(p.weight(), conv1d ? new long[] {in, out} : new long[] {out, in});
    if (p.bias() != null) {
      m.put(p.bias(), new long[] {out});
    }
  }

  private static void norm(Map<String, long[]> m, Param p, long d) {
    if (p == null) {
      return;
    }
    m.put(p.weight(), new long[] {d});
    if (p.bias() != null) {
      m.put(p.bias(), new long[] {d});
    }
  }
}
