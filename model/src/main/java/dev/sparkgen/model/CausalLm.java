package dev.sparkgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.sparkgen.model.cache.KvCache;
import dev.sparkgen.model.config.Architecture;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.nn.Attention;
import dev.sparkgen.model.nn.GeluConstants;
import dev.sparkgen.model.nn.DecoderBlock;
import dev.sparkgen.model.nn.GatedMlp;
import dev.sparkgen.model.nn.GeluMlp;
import dev.sparkgen.model.nn.LayerNorm;
import dev.sparkgen.model.nn.Mlp;
import dev.sparkgen.model.nn.MlpActivation;
import dev.sparkgen.model.nn.Norm;
import dev.sparkgen.model.nn.RmsNorm;
import dev.sparkgen.model.nn.RopeFrequencies;
import dev.sparkgen.model.nn.RopeTable;
import dev.sparkgen.model.nn.RotaryEmbedding;
import dev.sparkgen.model.nn.StepInputs;
import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.WeightSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoder-only transformer on DJL's PyTorch engine, built from a {@link Checkpoint} by its family's
 * {@link Architecture}: token embedding (scaled for Gemma; plus learned positions for GPT-2), pre-norm
 * blocks from {@code nn/}, final norm, output projection (soft-capped for Gemma 2). One
 * {@link NDManager} owns every weight; batches get sub-managers.
 */
public final class CausalLm implements BatchModel, AutoCloseable {
  private final ModelConfig config;
  private final NDManager manager;
  private final NDArray tokenEmbedding; // [V, d]
  private final NDArray positionEmbedding; // [P, d], GPT-2 only
  private final NDArray embeddingScale; // sqrt(d) as a scalar (Gemma), or null
  private final RotaryEmbedding rotary; // RoPE families only
  private final List<DecoderBlock> blocks = new ArrayList<>();
  private final Norm finalNorm;
  private final NDArray lmHead; // [V, d]
  private final NDArray finalSoftcap; // c of c * tanh(logits / c) (Gemma 2), or null
  private static final int STAGING_FLOATS = 4 << 20;
  private ByteBuffer staging; // load-time only

  private CausalLm(Checkpoint ckpt) {
    this.config = ckpt.config();
    this.manager = DjlEnvironment.engine().newBaseManager();
    try {
      ModelConfig c = config;
      Architecture a = c.family().architecture(c);
      GeluConstants k = GeluConstants.create(manager);
      tokenEmbedding = load(ckpt, a.embedding());
      positionEmbedding = a.positionEmbedding() == null ? null : load(ckpt, a.positionEmbedding());
      // HF casts sqrt(hidden_size) to the compute dtype (float32) before multiplying.
      embeddingScale = a.scaleEmbedding() ? manager.create((float) Math.sqrt(c.hiddenSize())) : null;
      rotary = c.rope() == null ? null
          : new RotaryEmbedding(manager, c.headDim(), RopeFrequencies.of(c.rope(), c.headDim(), c.maxPositions()));
      NDArray eps = manager.create((float) c.normEps());
      NDArray softcap = c.attnLogitSoftcapping() == null ? null : manager.create((float) (double) c.attnLogitSoftcapping());
      double scale = 1.0 / Math.sqrt(c.queryPreAttnScalar() != null ? c.queryPreAttnScalar() : c.headDim());
      if (c.attnLogitSoftcapping() != null) {
        scale /= c.attnLogitSoftcapping(); // tanh(s / c): the division rides on the query weights too
      }
      MlpActivation act = MlpActivation.of(c.hiddenAct());
      for (int i = 0; i < c.numLayers(); i++) {
        blocks.add(block(ckpt, a, a.layers().get(i), i, (float) scale, eps, softcap, act, k));
      }
      finalNorm = norm(ckpt, a, a.finalNorm(), eps);
      lmHead = a.lmHead() == null ? tokenEmbedding : load(ckpt, a.lmHead());
      finalSoftcap = c.finalLogitSoftcapping() == null ? null : manager.create((float) (double) c.finalLogitSoftcapping());
      staging = null;
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** One layer's block from the tensors its {@link Architecture.Layer} names. */
  private DecoderBlock block(Checkpoint ckpt, Architecture a, Architecture.Layer l, int index, float scale, NDArray eps,
      NDArray softcap, MlpActivation act, GeluConstants k) {
    ModelConfig c = config;
    NDArray qkv = fused(ckpt, a, l.qkv()); // [(H + 2K) hd, d]
    NDArray qkvBias = l.qkv().get(0).bias() == null ? null : concat(biases(ckpt, l.qkv()));
    Norm qNorm = null;
    Norm kNorm = null;
    Norm qkNorm = null;
    if (l.qNorm() != null) {
      // The scale goes into the q-norm weight: an RMSNorm after the projection would undo it there.
      NDArray unscaled = normWeight(ckpt, a, l.qNorm());
      NDArray qw = unscaled.mul(scale); // [hd]
      unscaled.close();
      NDArray kw = normWeight(ckpt, a, l.kNorm());
      qNorm = new RmsNorm(qw, eps);
      kNorm = new RmsNorm(kw, eps);
      // Decode steps normalise q and k together, [B, H + K, 1, hd]: one weight row per head.
      NDArray fused = NDArrays.concat(new NDList(qw.broadcast(c.numHeads(), c.headDim()),
          kw.broadcast(c.numKvHeads(), c.headDim())), 0).reshape(c.numHeads() + c.numKvHeads(), 1, c.headDim());
      qkNorm = new RmsNorm(fused, eps);
    } else {
      qkv = scaleQueries(qkv, scale);
      qkvBias = qkvBias == null ? null : scaleQueries(qkvBias, scale);
    }
    Integer window = c.slidingWindow(index);
    Attention attn = new Attention(index, c.numHeads(), c.numKvHeads(), c.headDim(), qkv, qkvBias,
        matrix(ckpt, a, l.out().weight()), bias(ckpt, l.out()), null, rotary, qNorm, kNorm, qkNorm, softcap,
        window == null ? 0 : window);
    NDArray in = fused(ckpt, a, l.mlpIn());
    NDArray inBias = l.mlpIn().get(0).bias() == null ? null : concat(biases(ckpt, l.mlpIn()));
    NDArray down = matrix(ckpt, a, l.mlpOut().weight());
    NDArray downBias = bias(ckpt, l.mlpOut());
    Mlp mlp = l.gated() ? new GatedMlp(in, inBias, down, downBias, c.intermediateSize(), act, k)
        : new GeluMlp(in, inBias, down, downBias, k);
    return new DecoderBlock(norm(ckpt, a, l.inputNorm(), eps), attn, norm(ckpt, a, l.postAttentionNorm(), eps),
        norm(ckpt, a, l.preMlpNorm(), eps), mlp, norm(ckpt, a, l.postMlpNorm(), eps));
  }

  /** Builds the model from a checkpoint (the checkpoint may be closed afterwards). */
  public static CausalLm of(Checkpoint checkpoint) {
    return new CausalLm(checkpoint);
  }

  /** Loads a Hugging Face model folder. */
  public static CausalLm load(Path dir) {
    try (Checkpoint ckpt = HfFolder.open(dir)) {
      return new CausalLm(ckpt);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The architecture. */
  public ModelConfig config() {
    return config;
  }

  @Override
  public int vocabSize() {
    return config.vocabSize();
  }

  @Override
  public int maxPositions() {
    return config.maxPositions();
  }

  /**
   * The most bytes a prefill's attention scores and probabilities ([rows, heads, chunk, keys]
   * float32, one layer at a time) may take: prompts are prefilled in chunks of as many tokens as
   * fit, so a long prompt's scores grow with its length instead of its square.
   */
  public static final long PREFILL_ATTENTION_BYTES = 128L << 20;

  /**
   * Prompts a continuous batch prefills in one admission call at most ({@link
   * DecodeBatch#admitsAtOnce}). Together they are one [prompts, longest] prefill, chunked like a
   * static batch's so that attention scores stay within {@link #PREFILL_ATTENTION_BYTES}; {@link
   * dev.sparkgen.model.generate.BatchMemory} counts this many prefill rows. Eight: on this
   * project's CPU an 8 x 96 prefill costs about 2.2 ms per token against 2.6-3.3 ms alone (a
   * compute-bound GEMM gains little from more rows), and activations stay small (GPT-2 small: about
   * 21 MiB per chunk of 96 tokens).
   */
  public static final int ADMITTED_PROMPTS = 8;

  /** Prompt prefixes a continuous batch keeps for shared-prefix reuse (see {@link dev.sparkgen.model.cache.PrefixStore}). */
  public static final int STORED_PREFIXES = 4;

  /**
   * Cache slots per row of a continuous batch whose rows span up to {@code span} slots (prompt
   * plus new tokens): half again as many, so that rows move down at most once every span / 2 steps.
   */
  public static int continuousSlots(int span) {
    return span + Math.max(1, span / 2);
  }

  @Override
  public DecodeBatch open(List<int[]> prompts, int maxNewTokens) {
    return new LmBatch(this, prompts, maxNewTokens, 0);
  }

  @Override
  public DecodeBatch openContinuous(int rows, int longestPrompt, int maxNewTokens) {
    return new LmBatch(this, rows, longestPrompt, maxNewTokens, 0);
  }

  /**
   * Tokens per prefill chunk for {@code rows} rows of a model with {@code heads} attention heads
   * attending to {@code keys} cache slots: as many as keep the scores and probabilities within
   * {@link #PREFILL_ATTENTION_BYTES}, at least one.
   */
  public static int prefillChunk(int heads, int rows, int keys) {
    long perToken = 2L * rows * heads * Math.max(1, keys) * Float.BYTES; // scores + probabilities
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, PREFILL_ATTENTION_BYTES / perToken));
  }

  /** The manager that owns the weights; batches hang their caches below it. */
  NDManager manager() {
    return manager;
  }

  /** A new cache for {@code batch} rows of {@code capacity} slots. */
  KvCache newCache(int batch, int capacity) {
    return new KvCache(manager, config.numLayers(), batch, config.numKvHeads(), capacity, config.headDim());
  }

  /**
   * One forward call over t new tokens per row, inside the caller's {@link NDScope}. ids, positions:
   * [B, T] int64. Returns logits,
   * [B, V] (or [B, 1, V] when T = 1) for the last position only (what decoding needs) or
   * [B, T, V] for all.
   */
  NDArray forward(NDArray ids, NDArray positions, StepInputs in, KvCache cache, boolean allPositions) {
    NDArray x = tokenEmbedding.get(ids); // [B, T, d]
    if (embeddingScale != null) {
      x = x.mul(embeddingScale);
    }
    if (positionEmbedding != null) {
      x = x.add(positionEmbedding.get(positions));
    }
    for (DecoderBlock block : blocks) {
      // Each layer's intermediates (a prefill's attention scores are [B, H, T, S]) are freed when the
      // layer ends, so a call holds one layer's working set instead of every layer's until its end.
      NDArray next;
      try (NDScope layer = new NDScope()) {
        next = block.apply(x, in, cache);
        NDScope.unregister(next);
      }
      NDScope.register(next); // into the caller's scope
      NDScope.unregister(x);
      x.close(); // the layer's input: the cache holds copies of its keys and values
      x = next;
    }
    if (!allPositions && x.getShape().get(1) > 1) {
      x = x.get(":, -1, :"); // [B, d]: the output projection is the largest matmul; skip the prompt
    }
    NDArray logits = Linear.linear(finalNorm.apply(x), lmHead).singletonOrThrow();
    if (finalSoftcap != null) {
      logits = logits.div(finalSoftcap).tanh().mul(finalSoftcap); // HF: logits / c, tanh, * c
    }
    return logits;
  }

  /** cos/sin tables for positions [0, positions) on a batch's manager, or null without RoPE. */
  RopeTable ropeTable(NDManager batchManager, int positions) {
    return rotary == null ? null : rotary.table(batchManager, positions);
  }

  /** Logits at every position of one prompt, [T][V]: for tests against reference logits. */
  public float[][] allLogits(int[] prompt) {
    return allLogits(prompt, 0);
  }

  /** As {@link #allLogits(int[])}, prefilled in chunks of {@code chunk} tokens (0: the default). */
  float[][] allLogits(int[] prompt, int chunk) {
    try (LmBatch batch = new LmBatch(this, List.of(prompt), 0, chunk)) {
      return batch.prefillAll();
    }
  }

  /**
   * Creates a weight on the model's manager, float32, in libtorch's own memory: an uninitialised
   * tensor filled through one reused 16 MB staging buffer. A tensor made straight from a direct
   * buffer would keep its weights in Java direct memory (bounded by the executor's heap setting
   * and freed only by GC), and pieces joined by concat would need the tensor twice at load.
   */
  private NDArray load(Checkpoint ckpt, String name) {
    WeightSource w = ckpt.tensor(name);
    NDArray out = manager.create(new Shape(w.shape()), DataType.FLOAT32); // torch::empty
    try (NDArray flat = out.reshape(w.numel())) { // a view of out's memory
      fill(flat, 0, w);
    }
    return out;
  }

  /**
   * Linear weights fused along the output axis (q, k and v into [(H + 2K) hd, d]; gate and up into
   * [2 I, d]), each part filled in place into one tensor made at its full size. Loading the parts
   * and concatenating them would hold each layer's parts beside the fused weight, and those freed
   * temporaries, below glibc's (self-raising) mmap threshold, stay in the process's heap as holes:
   * about 0.46 GB of resident memory for the Llama-3.2-1B shape (model/bench/README.md, "Real sizes").
   * Conv1D files (GPT-2: one fused part, transposed once) keep {@link #matrix}.
   */
  private NDArray fused(Checkpoint ckpt, Architecture a, List<Architecture.Param> params) {
    if (a.conv1d() || params.size() == 1) {
      return concat(matrices(ckpt, a, params));
    }
    List<WeightSource> parts = params.stream().map(p -> ckpt.tensor(p.weight())).toList();
    long rows = 0;
    long cols = parts.get(0).shape()[1];
    for (WeightSource w : parts) {
      rows += w.shape()[0];
    }
    NDArray out = manager.create(new Shape(rows, cols), DataType.FLOAT32); // torch::empty
    try (NDArray flat = out.reshape(rows * cols)) {
      long offset = 0;
      for (WeightSource w : parts) {
        fill(flat, offset, w);
        offset += w.numel();
      }
    }
    return out;
  }

  /** Copies {@code w}'s floats into {@code flat[offset, offset + numel)} through the staging buffer. */
  private void fill(NDArray flat, long offset, WeightSource w) {
    long n = w.numel();
    if (staging == null) {
      staging = ByteBuffer.allocateDirect(STAGING_FLOATS * Float.BYTES).order(ByteOrder.nativeOrder());
    }
    for (long from = 0; from < n; from += STAGING_FLOATS) {
      int count = (int) Math.min(STAGING_FLOATS, n - from);
      staging.clear();
      FloatBuffer floats = staging.asFloatBuffer();
      w.read(from, count, floats);
      staging.limit(count * Float.BYTES);
      // The piece wraps the staging memory (no copy); indexSet copies it into out, then it is gone.
      try (NDArray piece = manager.create(staging, new Shape(count), DataType.FLOAT32)) {
        JniUtils.indexSet((PtNDArray) flat, (PtNDArray) piece, new long[] {offset + from},
            new long[] {offset + from + count}, new long[] {1});
      }
    }
  }

  /**
   * Multiplies the query rows (the first {@code heads * headDim} along axis 0) of a fused QKV weight
   * [(H + 2K) hd, d] or bias [(H + 2K) hd] by 1/sqrt(headDim), once at load, so that attention
   * need not scale q on every call. RoPE is linear, so scaling before it is the same.
   */
  private NDArray scaleQueries(NDArray qkv, float scale) {
    long q = (long) config.numHeads() * config.headDim();
    // In place, through a view of the query rows: no second copy of the weight, even for a moment.
    try (NDArray queries = qkv.get("{}:{}", 0, q)) {
      queries.muli(scale);
    }
    return qkv;
  }

  /** A matrix in Linear's [out, in] layout: Conv1D files ([in, out]) are transposed once here. */
  private NDArray matrix(Checkpoint ckpt, Architecture a, String name) {
    NDArray w = load(ckpt, name);
    if (!a.conv1d()) {
      return w;
    }
    NDArray t = w.transpose().duplicate(); // [out, in], contiguous
    w.close();
    return t;
  }

  private NDArray[] matrices(Checkpoint ckpt, Architecture a, List<Architecture.Param> params) {
    NDArray[] out = new NDArray[params.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = matrix(ckpt, a, params.get(i).weight());
    }
    return out;
  }

  private NDArray[] biases(Checkpoint ckpt, List<Architecture.Param> params) {
    NDArray[] out = new NDArray[params.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = load(ckpt, params.get(i).bias());
    }
    return out;
  }

  private NDArray bias(Checkpoint ckpt, Architecture.Param p) {
    return p.bias() == null ? null : load(ckpt, p.bias());
  }

  /** A norm weight as the model applies it: Gemma stores (w - 1), so 1 + w is computed once here (float32). */
  private NDArray normWeight(Checkpoint ckpt, Architecture a, String name) {
    NDArray w = load(ckpt, name);
    if (a.norm() != Architecture.NormKind.RMS_NORM_PLUS_ONE) {
      return w;
    }
    NDArray plusOne = w.add(1f);
    w.close();
    return plusOne;
  }

  /** The norm for {@code p} (null when the layer has none there). */
  private Norm norm(Checkpoint ckpt, Architecture a, Architecture.Param p, NDArray eps) {
    if (p == null) {
      return null;
    }
    if (a.norm() == Architecture.NormKind.LAYER_NORM) {
      return new LayerNorm(load(ckpt, p.weight()), load(ckpt, p.bias()), (float) config.normEps());
    }
    return new RmsNorm(normWeight(ckpt, a, p.weight()), eps);
  }

  /** Fuses projections along the output axis, e.g. q, k, v into one [(H + 2K) * hd, d] weight; one part is kept as is. */
  private static NDArray concat(NDArray... parts) {
    if (parts.length == 1) {
      return parts[0];
    }
    NDArray out = NDArrays.concat(new NDList(parts), 0);
    for (NDArray p : parts) {
      p.close();
    }
    return out;
  }

  @Override
  public void close() {
    manager.close();
  }

}
