package dev.sparkgen.model.config;

import dev.sparkgen.model.CheckpointException;
import java.util.List;

/**
 * The architecture of one decoder-only model, family-neutral; {@link ModelFamily} reads and writes
 * it in each family's {@code config.json} dialect.
 *
 * @param intermediateSize MLP inner width ({@code n_inner} / {@code intermediate_size})
 * @param maxPositions context length ({@code n_positions} / {@code max_position_embeddings})
 * @param ropeTheta RoPE base; unused by GPT-2
 * @param attentionBias Llama {@code attention_bias}; GPT-2 always has biases
 * @param mlpBias Llama {@code mlp_bias}
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
    double ropeTheta,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    boolean mlpBias,
    Integer bosTokenId,
    List<Integer> eosTokenIds) {

  public ModelConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Checks that the values make sense together; {@code file} names the source in messages. */
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
    if (family == ModelFamily.LLAMA) {
      if (headDim % 2 != 0) {
        throw new CheckpointException(file + ": head_dim=" + headDim + " must be even for rotary embeddings");
      }
      if (!(ropeTheta > 0) || !Double.isFinite(ropeTheta)) {
        throw new CheckpointException(file + ": rope_theta must be > 0, got " + ropeTheta);
      }
    }
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

  /** Number of parameters, counting a tied output matrix once. */
  public long parameterCount() {
    long n = 0;
    for (long[] shape : family.tensorShapes(this).values()) {
      long p = 1;
      for (long d : shape) {
        p *= d;
      }
      n += p;
    }
    return n;
  }
}
