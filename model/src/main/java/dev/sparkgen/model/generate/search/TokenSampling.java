package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.BatchModel;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.generate.FinishReason;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.logits.LogitsPipeline;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Greedy or sampling decoding of a batch of prompts: each prompt is prefilled once and forked into
 * num_return_sequences rows, one token per row per step, and rows that finish (eos, stop string,
 * length) leave the batch so they stop costing compute. Sampling a row whose processed scores have
 * no token left throws {@link AllTokensFilteredException} (as Hugging Face fails); greedy keeps
 * {@code torch.argmax}'s choice of the first index. Named for what it does each step, pick one token
 * per row by sampling or argmax (Hugging Face's {@code GenerationMixin._sample}, which covers
 * greedy too); it keeps no hypotheses, unlike {@link BeamSearch}. {@link #run} decodes one static
 * batch; {@link ContinuousDecoding} applies the same per-row rules ({@link #choose}, {@link
 * #accept}, {@link #deviceSampling}) to a continuous batch.
 *
 * <p>Where tokens are chosen: the prefill's first token on the host ({@link TokenChoice#onHost},
 * the reference path); then, for plain greedy (no processors), by the batch's own argmax ({@link
 * DecodeBatch#stepGreedy}); else, when every processor has a device form (every row without a
 * response format), where the logits are ({@link DeviceSampling}: only ids and log-probabilities
 * cross to the host); else (a batch with a response format, or {@link #onHost()}) on the host from
 * each row's copied logits. All paths choose the same tokens.
 */
public final class TokenSampling {
  private final GenerationConfig config;
  private final LogitsPipeline plain;
  private final LogitsPipeline withFormats; // for batches where some row has a response format
  private final TokenSelector selector;
  private final UniformSource uniforms;
  private final StopStrings stops;
  private final Set<Integer> eos;
  private final boolean onDevice; // false: every step's logits are copied to the host (the reference path)

  /** A search for {@code config}; {@code stops} also decodes the final text. */
  public TokenSampling(GenerationConfig config, UniformSource uniforms, StopStrings stops) {
    this(config, uniforms, stops, true);
  }

  private TokenSampling(GenerationConfig config, UniformSource uniforms, StopStrings stops, boolean onDevice) {
    this.onDevice = onDevice;
    this.config = config;
    this.plain = LogitsPipeline.forConfig(config);
    this.withFormats = LogitsPipeline.forConfig(config, true);
    this.selector = config.doSample() ? TokenSelector.SAMPLING : TokenSelector.GREEDY;
    this.uniforms = uniforms;
    this.stops = stops;
    this.eos = new HashSet<>(config.eosTokenId());
  }

  /**
   * The same search choosing every token on the host from copied logits, as before sampling moved
   * to the device: the reference that tests and the benchmark compare the device path with.
   */
  public TokenSampling onHost() {
    return new TokenSampling(config, uniforms, stops, false);
  }

  /** Generates for {@code prompts} in one batch; per prompt, its sequences by sample index. */
  public List<List<Sequence>> run(BatchModel model, List<PromptInput> prompts) {
    int copies = config.numReturnSequences();
    List<DecodeRow> rows = new ArrayList<>();
    List<int[]> ids = new ArrayList<>();
    int[] fork = new int[prompts.size() * copies];
    LogitsPipeline pipeline = prompts.stream().anyMatch(p -> p.constraint() != null) ? withFormats : plain;
    for (int p = 0; p < prompts.size(); p++) {
      PromptInput in = prompts.get(p);
      ids.add(in.tokenIds());
      for (int s = 0; s < copies; s++) {
        fork[rows.size()] = p;
        ContinuationText text = stops.continuation(in.tokenIds()); // one per row: it decodes incrementally
        rows.add(new DecodeRow(p, s, in.tokenIds(), in.constraint(), uniforms.stream(in.key(), s), text));
      }
    }
    try (DecodeBatch batch = model.open(ids, config.maxNewTokens())) {
      float[][] prefill = batch.prefill(); // [prompts][V]
      float[][] logits = new float[rows.size()][];
      for (int r = 0; r < rows.size(); r++) {
        logits[r] = rows.size() == prefill.length ? prefill[r] : prefill[fork[r]].clone();
        rows.get(r).limit = Math.min(config.maxNewTokens(), batch.remaining(fork[r]));
      }
      if (copies > 1) {
        batch.select(fork); // num_return_sequences > 1: fork each prefilled prompt instead of recomputing it
      }
      decode(batch, rows, logits, pipeline);
    }
    List<List<Sequence>> out = new ArrayList<>();
    for (int p = 0; p < prompts.size(); p++) {
      out.add(new ArrayList<>());
    }
    for (DecodeRow row : rows) {
      out.get(row.prompt).add(row.toSequence(config.outputLogprobs()));
    }
    return out;
  }

  /**
   * The step loop; {@code rows} and {@code logits} are aligned with the batch's rows. Plain greedy
   * (no processors) lets the batch pick tokens where the logits are, so [rows, V] logits never
   * cross to the host after prefill.
   */
  private void decode(DecodeBatch batch, List<DecodeRow> rows, float[][] logits, LogitsPipeline pipeline) {
    boolean picksInBatch = picksInBatch(batch, pipeline);
    DeviceSampling device = picksInBatch ? null : deviceSampling(pipeline);
    Picks picks = null;
    List<DecodeRow> active = new ArrayList<>();
    for (DecodeRow row : rows) {
      if (row.limit <= 0) {
        finish(row, FinishReason.LENGTH); // a prompt that already fills the context
      }
      active.add(row);
    }
    while (true) {
      List<Integer> keep = new ArrayList<>();
      for (int r = 0; r < active.size(); r++) {
        DecodeRow row = active.get(r);
        if (!row.finished()) {
          if (picks != null) {
            picks.rethrow(r); // a row redone on the host with nothing to sample: the batch fails, as on the host
            accept(row, picks.tokens()[r], picks.logprobs()[r]);
          } else {
            choose(row, logits[r], pipeline);
          }
        }
        if (!row.finished()) {
          keep.add(r);
        }
      }
      if (keep.isEmpty()) {
        return;
      }
      int[] tokens = new int[keep.size()];
      List<DecodeRow> next = new ArrayList<>();
      for (int i = 0; i < keep.size(); i++) {
        DecodeRow row = active.get(keep.get(i));
        next.add(row);
        tokens[i] = row.history.get(row.history.length() - 1);
      }
      if (next.size() < active.size()) {
        batch.select(keep.stream().mapToInt(Integer::intValue).toArray()); // drop finished rows
      }
      active = next;
      if (picksInBatch) {
        picks = Picks.of(batch.stepGreedy(tokens));
      } else if (device != null) {
        List<DecodeRow> stepping = active;
        picks = batch.step(tokens, stepLogits -> device.pick(stepLogits, stepping));
      } else {
        logits = batch.step(tokens);
      }
    }
  }

  /** The pipeline for rows of which some ({@code formats}) may carry a response format. */
  LogitsPipeline pipeline(boolean formats) {
    return formats ? withFormats : plain;
  }

  /** Whether plain greedy decoding can let {@code batch} pick its tokens (no host logits needed). */
  boolean picksInBatch(DecodeBatch batch, LogitsPipeline pipeline) {
    return selector == TokenSelector.GREEDY && pipeline.processors().isEmpty() && batch.picksGreedyItself();
  }

  /** The device picker for {@code pipeline}, or null when tokens are chosen on the host. */
  DeviceSampling deviceSampling(LogitsPipeline pipeline) {
    return onDevice && pipeline.runsOnDevice() ? new DeviceSampling(pipeline, selector) : null;
  }

  /** Processes one row's logits on the host, picks its token and decides whether it has finished. */
  void choose(DecodeRow row, float[] logits, LogitsPipeline pipeline) {
    TokenChoice choice = TokenChoice.onHost(logits, row.history, pipeline, selector, row.uniforms);
    accept(row, choice.token(), choice.logprob());
  }

  /** Appends the chosen token and decides whether the row has finished. */
  void accept(DecodeRow row, int token, float logprob) {
    row.append(token, logprob);
    if (eos.contains(token)) {
      finish(row, FinishReason.EOS);
    } else if (stops.active()) {
      int searched = row.continuation.stableLength(); // searched at earlier steps
      String text = row.continuation.of(row.history.generatedIds());
      int at = stops.find(text, searched);
      if (at >= 0) {
        row.reason = FinishReason.STOP;
        row.text = text.substring(0, at);
        return;
      }
    }
    if (!row.finished() && row.history.generated() >= row.limit) {
      finish(row, FinishReason.LENGTH);
    }
  }

  void finish(DecodeRow row, FinishReason reason) {
    row.reason = reason;
    row.text = row.continuation.of(row.history.generatedIds());
  }
}
