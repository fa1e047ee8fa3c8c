package dev.sparkgen.model.generate;

import dev.sparkgen.model.BatchModel;
import dev.sparkgen.model.generate.search.BeamSearch;
import dev.sparkgen.model.generate.search.SeededUniforms;
import dev.sparkgen.model.generate.search.StopStrings;
import dev.sparkgen.model.generate.search.TokenSearch;
import dev.sparkgen.model.generate.search.UniformSource;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Batched generation over a {@link BatchModel}: greedy, sampling ({@link TokenSearch}) or beam
 * search ({@link BeamSearch}). Prompts are sorted by length and cut into batches of at most
 * {@code batchSize} rows; a row's result never depends on its neighbours, so this order is free.
 */
public final class Generator {
  private final BatchModel model;
  private final GenerationConfig config;
  private final StopStrings stops;
  private final UniformSource uniforms;

  /** {@code tokenizer} may be null (then no text and no stop strings). */
  public Generator(BatchModel model, GenerationConfig config, Tokenizer tokenizer) {
    this(model, config, tokenizer, new SeededUniforms(config.seed()));
  }

  /**
   * As above; {@code skipSpecialTokens} false keeps special tokens ({@code <|eot_id|>} ...) in the
   * sequences' text, as {@code skip_special_tokens=False} does in transformers pipelines and vLLM.
   */
  public Generator(BatchModel model, GenerationConfig config, Tokenizer tokenizer, boolean skipSpecialTokens) {
    this(model, config, new StopStrings(config.stop(), tokenizer, skipSpecialTokens), new SeededUniforms(config.seed()));
  }

  /** As above, with the source of sampling's uniforms given (tests plug in fixed lists). */
  public Generator(BatchModel model, GenerationConfig config, Tokenizer tokenizer, UniformSource uniforms) {
    this(model, config, new StopStrings(config.stop(), tokenizer), uniforms);
  }

  private Generator(BatchModel model, GenerationConfig config, StopStrings stops, UniformSource uniforms) {
    this.model = model;
    this.config = config;
    this.stops = stops;
    this.uniforms = uniforms;
  }

  /**
   * Generates for every prompt, batching internally up to {@code batchSize} rows; returns, in
   * input order, each prompt's num_return_sequences sequences (sampleIndex 0..n-1).
   *
   * <p>A prompt's rows (its samples or beams) always share one batch, so a batch holds at least
   * one prompt even when that exceeds {@code batchSize}. Beam search returns the best finished
   * hypotheses, best first; fewer than num_return_sequences only in degenerate cases (scores of
   * -inf). A prompt that already fills the model's context yields empty sequences (reason length).
   * Invalid prompts (empty, longer than the context, ids outside the vocabulary, a response format
   * without an eos_token_id to end it) are refused with their index and key before any work
   * starts. When sampling, a row whose logits processors leave no token throws {@link
   * dev.sparkgen.model.generate.search.AllTokensFilteredException} naming the step (Hugging Face
   * fails there as well); run that prompt alone to tell it from its batch neighbours. Prompts with
   * a {@link PromptInput#constraint() response format} decode through the host logits (not the
   * batch's own argmax), masked by the format.
   */
  public List<List<Sequence>> generate(List<PromptInput> prompts, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    for (int i = 0; i < prompts.size(); i++) {
      check(i, prompts.get(i));
    }
    boolean beams = config.numBeams() > 1;
    int rowsPerPrompt = beams ? config.numBeams() : config.numReturnSequences();
    int perBatch = Math.max(1, batchSize / rowsPerPrompt);
    // Similar lengths together: less left padding to compute.
    Integer[] order = new Integer[prompts.size()];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingInt(i -> prompts.get(i).tokenIds().length));
    List<List<Sequence>> out = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      out.add(null);
    }
    for (int start = 0; start < order.length; start += perBatch) {
      List<PromptInput> chunk = new ArrayList<>();
      for (int j = start; j < Math.min(order.length, start + perBatch); j++) {
        chunk.add(prompts.get(order[j]));
      }
      List<List<Sequence>> results = beams
          ? new BeamSearch(config, stops).run(model, chunk)
          : new TokenSearch(config, uniforms, stops).run(model, chunk);
      for (int j = 0; j < chunk.size(); j++) {
        out.set(order[start + j], results.get(j));
      }
    }
    return out;
  }

  private void check(int index, PromptInput prompt) {
    int[] ids = prompt.tokenIds();
    String row = "prompt " + index + " (key " + prompt.key() + ")";
    if (ids == null || ids.length == 0) {
      throw new IllegalArgumentException(row + " has no tokens");
    }
    if (ids.length > model.maxPositions()) {
      throw new IllegalArgumentException(row + " has " + ids.length + " tokens, more than the model's context of "
          + model.maxPositions());
    }
    for (int id : ids) {
      if (id < 0 || id >= model.vocabSize()) {
        throw new IllegalArgumentException(row + " has token id " + id + " outside the vocabulary [0, "
            + model.vocabSize() + ")");
      }
    }
    if (prompt.constraint() != null && config.eosTokenId().isEmpty()) {
      throw new IllegalArgumentException(row + " has a response format but eos_token_id is unset: a constrained row"
          + " ends with eos where its text is complete");
    }
  }
}
