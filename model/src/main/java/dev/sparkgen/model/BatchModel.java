package dev.sparkgen.model;

import java.util.List;

/** A language model that decodes batches of token-id prompts; {@link CausalLm} is the real one. */
public interface BatchModel {

  /** Vocabulary size: the length of every logits row. */
  int vocabSize();

  /** The model's context length (prompt plus generated tokens may not exceed it). */
  int maxPositions();

  /**
   * Opens a batch for these prompts (unpadded token ids, each non-empty), with room for
   * {@code maxNewTokens} generated tokens per row (capped at the context length).
   */
  DecodeBatch open(List<int[]> prompts, int maxNewTokens);

  /**
   * Opens a continuous batch of {@code rows} vacant rows that takes prompts as rows free up
   * ({@link DecodeBatch#admit}); sized for prompts of up to {@code longestPrompt} tokens and
   * {@code maxNewTokens} new ones each (a longer prompt still fits: the batch grows).
   */
  DecodeBatch openContinuous(int rows, int longestPrompt, int maxNewTokens);
}
