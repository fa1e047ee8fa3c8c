package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.BatchModel;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.logits.LogitsPipeline;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Beam search over a batch of prompts, each with its own {@link BeamState}. A prompt is prefilled
 * once; beams fork rows with {@link DecodeBatch#select} (repeated indices), and prompts that are
 * done leave the batch.
 */
public final class BeamSearch {
  private final GenerationConfig config;
  private final LogitsPipeline plain;
  private final LogitsPipeline withFormats; // for batches where some prompt has a response format
  private final StopStrings stops;
  private final Set<Integer> eos;

  /** A beam search for {@code config} (num_beams > 1, no sampling). */
  public BeamSearch(GenerationConfig config, StopStrings stops) {
    if (config.doSample()) {
      throw new IllegalArgumentException("beam search with do_sample=true is not supported");
    }
    this.config = config;
    this.plain = LogitsPipeline.forConfig(config); // acts on log_softmax scores, as in HF
    this.withFormats = LogitsPipeline.forConfig(config, true);
    this.stops = stops;
    this.eos = new HashSet<>(config.eosTokenId());
  }

  /** Per prompt, its num_return_sequences best sequences, best first. */
  public List<List<Sequence>> run(BatchModel model, List<PromptInput> prompts) {
    List<int[]> ids = new ArrayList<>();
    prompts.forEach(p -> ids.add(p.tokenIds()));
    List<BeamState> states = new ArrayList<>();
    LogitsPipeline pipeline = prompts.stream().anyMatch(p -> p.constraint() != null) ? withFormats : plain;
    try (DecodeBatch batch = model.open(ids, config.maxNewTokens())) {
      float[][] logits = batch.prefill(); // [prompts][V]
      for (int p = 0; p < prompts.size(); p++) {
        int limit = Math.min(config.maxNewTokens(), batch.remaining(p));
        states.add(new BeamState(config, ids.get(p), prompts.get(p).constraint(), p, limit, eos, pipeline, stops));
      }
      while (true) {
        List<Beam> rows = new ArrayList<>();
        for (BeamState state : states) {
          if (!state.over()) {
            state.advance(logits);
            if (!state.over()) {
              rows.addAll(state.running());
            }
          }
        }
        if (rows.isEmpty()) {
          break;
        }
        int[] select = new int[rows.size()];
        int[] tokens = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
          Beam beam = rows.get(i);
          select[i] = beam.parentRow; // fork: several beams may continue the same row
          tokens[i] = beam.lastToken();
          beam.row = i;
        }
        if (!identity(select, batch.rows())) {
          batch.select(select); // copies the KV cache rows: skip it when nothing moved
        }
        logits = batch.step(tokens);
      }
    }
    List<List<Sequence>> out = new ArrayList<>();
    for (BeamState state : states) {
      out.add(state.result(config.numReturnSequences(), config.outputLogprobs()));
    }
    return out;
  }

  private static boolean identity(int[] select, int rows) {
    if (select.length != rows) {
      return false;
    }
    for (int i = 0; i < select.length; i++) {
      if (select[i] != i) {
        return false;
      }
    }
    return true;
  }
}
