package dev.sparkgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.sparkgen.model.cache.KvCache;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.nn.Attention;
import dev.sparkgen.model.nn.Constants;
import dev.sparkgen.model.nn.DecoderBlock;
import dev.sparkgen.model.nn.GeluMlp;
import dev.sparkgen.model.nn.LayerNorm;
import dev.sparkgen.model.nn.Mlp;
import dev.sparkgen.model.nn.Norm;
import dev.sparkgen.model.nn.RmsNorm;
import dev.sparkgen.model.nn.RotaryEmbedding;
import dev.sparkgen.model.nn.StepInputs;
import dev.sparkgen.model.nn.SwiGluMlp;
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
 * A decoder-only transformer on DJL's PyTorch engine, built from a {@link Checkpoint}: token (and,
 * for GPT-2, position) embedding, pre-norm blocks, final norm, output projection. One
 * {@link NDManager} owns every weight; batches get sub-managers.
 */
public final class CausalLm implements BatchModel, AutoCloseable {
  private final ModelConfig config;
  private final NDManager manager;
  private final NDArray tokenEmbedding; // [V, d]
  private final NDArray positionEmbedding; // [P, d], GPT-2 only
  private final RotaryEmbedding rotary; // Llama only
  private final List<DecoderBlock> blocks = new ArrayList<>();
  private final Norm finalNorm;
  private final NDArray lmHead; // [V, d]

  private CausalLm(Checkpoint ckpt) {
    this.config = ckpt.config();
    this.manager = DjlEnvironment.engine().newBaseManager();
    try {
      ModelConfig c = config;
      Constants k = Constants.create(manager);
      float scale = (float) (1.0 / Math.sqrt(c.headDim()));
      switch (c.family()) {
        case GPT2 -> {
          tokenEmbedding = load(ckpt, "wte.weight");
          positionEmbedding = load(ckpt, "wpe.weight");
          rotary = null;
          float eps = (float) c.normEps();
          for (int i = 0; i < c.numLayers(); i++) {
            String p = "h." + i + ".";
            // Conv1D stores [in, out]; transpose once to Linear's [out, in].
            Attention attn = new Attention(i, c.numHeads(), c.numKvHeads(), c.headDim(),
                scaleQueries(conv1d(ckpt, p + "attn.c_attn.weight"), scale),
                scaleQueries(load(ckpt, p + "attn.c_attn.bias"), scale),
                conv1d(ckpt, p + "attn.c_proj.weight"), load(ckpt, p + "attn.c_proj.bias"), null, null);
            Mlp mlp = new GeluMlp(conv1d(ckpt, p + "mlp.c_fc.weight"), load(ckpt, p + "mlp.c_fc.bias"),
                conv1d(ckpt, p + "mlp.c_proj.weight"), load(ckpt, p + "mlp.c_proj.bias"), k);
            blocks.add(new DecoderBlock(
                new LayerNorm(load(ckpt, p + "ln_1.weight"), load(ckpt, p + "ln_1.bias"), eps), attn,
                new LayerNorm(load(ckpt, p + "ln_2.weight"), load(ckpt, p + "ln_2.bias"), eps), mlp));
          }
          finalNorm = new LayerNorm(load(ckpt, "ln_f.weight"), load(ckpt, "ln_f.bias"), eps);
          lmHead = tokenEmbedding; // GPT-2 always ties the output to wte
        }
        case LLAMA -> {
          tokenEmbedding = load(ckpt, "embed_tokens.weight");
          positionEmbedding = null;
          rotary = new RotaryEmbedding(manager, c.headDim(), c.maxPositions(), c.ropeTheta());
          NDArray eps = manager.create((float) c.normEps());
          for (int i = 0; i < c.numLayers(); i++) {
            String p = "layers." + i + ".";
            String a = p + "self_attn.";
            NDArray qkv = concat(load(ckpt, a + "q_proj.weight"), load(ckpt, a + "k_proj.weight"), load(ckpt, a + "v_proj.weight"));
            NDArray qkvBias = c.attentionBias()
                ? concat(load(ckpt, a + "q_proj.bias"), load(ckpt, a + "k_proj.bias"), load(ckpt, a + "v_proj.bias")) : null;
            Attention attn = new Attention(i, c.numHeads(), c.numKvHeads(), c.headDim(), scaleQueries(qkv, scale),
                qkvBias == null ? null : scaleQueries(qkvBias, scale), load(ckpt, a + "o_proj.weight"),
                c.attentionBias() ? load(ckpt, a + "o_proj.bias") : null, null, rotary);
            String m = p + "mlp.";
            NDArray gateUp = concat(load(ckpt, m + "gate_proj.weight"), load(ckpt, m + "up_proj.weight"));
            NDArray gateUpBias = c.mlpBias() ? concat(load(ckpt, m + "gate_proj.bias"), load(ckpt, m + "up_proj.bias")) : null;
            Mlp mlp = new SwiGluMlp(gateUp, gateUpBias, load(ckpt, m + "down_proj.weight"),
                c.mlpBias() ? load(ckpt, m + "down_proj.bias") : null, c.intermediateSize());
            blocks.add(new DecoderBlock(new RmsNorm(load(ckpt, p + "input_layernorm.weight"), eps), attn,
                new RmsNorm(load(ckpt, p + "post_attention_layernorm.weight"), eps), mlp));
          }
          finalNorm = new RmsNorm(load(ckpt, "norm.weight"), eps);
          lmHead = c.tieWordEmbeddings() ? tokenEmbedding : load(ckpt, "lm_head.weight");
        }
        default -> throw new IllegalStateException("unreachable");
      }
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
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

  @Override
  public DecodeBatch open(List<int[]> prompts, int maxNewTokens) {
    return new LmBatch(this, prompts, maxNewTokens);
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
   * One forward call over t new tokens per row. ids, positions: [B, T] int64. Returns logits,
   * [B, V] (or [B, 1, V] when T = 1) for the last position only (what decoding needs) or
   * [B, T, V] for all.
   */
  NDArray forward(NDArray ids, NDArray positions, StepInputs in, KvCache cache, boolean allPositions) {
    NDArray x = tokenEmbedding.get(ids); // [B, T, d]
    if (positionEmbedding != null) {
      x = x.add(positionEmbedding.get(positions));
    }
    for (DecoderBlock block : blocks) {
      x = block.apply(x, in, cache);
    }
    if (!allPositions && x.getShape().get(1) > 1) {
      x = x.get(":, -1, :"); // [B, d]: the output projection is the largest matmul; skip the prompt
    }
    return Linear.linear(finalNorm.apply(x), lmHead).singletonOrThrow();
  }

  /** RoPE tables for these positions, or null for GPT-2. */
  NDArray[] rope(NDArray positions) {
    return rotary == null ? null : rotary.at(positions);
  }

  /** Logits at every position of one prompt, [T][V]: for tests against reference logits. */
  public float[][] allLogits(int[] prompt) {
    try (LmBatch batch = new LmBatch(this, List.of(prompt), 0)) {
      return batch.prefillAll();
    }
  }

  /** Creates a weight on the model's manager; float32, read in bounded pieces. */
  private NDArray load(Checkpoint ckpt, String name) {
    WeightSource w = ckpt.tensor(name);
    long n = w.numel();
    long[] shape = w.shape();
    long rows = shape[0];
    long rowElems = n / Math.max(1, rows);
    // Stay well below the 2 GiB limit of a direct buffer: split big tensors by rows, then concat.
    long rowsPerPiece = Math.max(1, (256L << 20) / 4 / Math.max(1, rowElems));
    List<NDArray> pieces = new ArrayList<>();
    for (long r0 = 0; r0 < rows || (rows == 0 && pieces.isEmpty()); r0 += rowsPerPiece) {
      long r1 = Math.min(rows, r0 + rowsPerPiece);
      int count = Math.toIntExact((r1 - r0) * rowElems);
      FloatBuffer buf = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
      w.read(r0 * rowElems, count, buf);
      buf.flip();
      long[] pieceShape = shape.clone();
      pieceShape[0] = r1 - r0;
      pieces.add(manager.create(buf, new Shape(pieceShape), DataType.FLOAT32));
      if (rows == 0) {
        break;
      }
    }
    if (pieces.size() == 1) {
      return pieces.get(0);
    }
    return concat(pieces.toArray(new NDArray[0]));
  }

  /**
   * Multiplies the query rows (the first {@code heads * headDim} along axis 0) of a fused QKV weight
   * [(H + 2K) hd, d] or bias [(H + 2K) hd] by 1/sqrt(headDim), once at load, so that attention
   * need not scale q on every call. RoPE is linear, so scaling before it is the same.
   */
  private NDArray scaleQueries(NDArray qkv, float scale) {
    long q = (long) config.numHeads() * config.headDim();
    NDArray queries = qkv.get("{}:{}", 0, q);
    NDArray rest = qkv.get("{}:", q);
    // concat closes the parts; the views and the unscaled input go too.
    return concat(new NDArray[] {queries.mul(scale), rest}, new NDArray[] {queries, qkv});

  }

  private NDArray conv1d(Checkpoint ckpt, String name) {
    NDArray w = load(ckpt, name);
    NDArray t = w.transpose().duplicate(); // [out, in], contiguous
    w.close();
    return t;
  }

  /** Fuses projections along the output axis, e.g. q, k, v into one [(H + 2K) * hd, d] weight. */
  private static NDArray concat(NDArray... parts) {
    return concat(parts, new NDArray[0]);
  }

  private static NDArray concat(NDArray[] parts, NDArray[] also) {
    NDArray out = NDArrays.concat(new NDList(parts), 0);
    for (NDArray p : parts) {
      p.close();
    }
    for (NDArray p : also) {
      p.close();
    }
    return out;
  }

  @Override
  public void close() {
    manager.close();
  }

}
