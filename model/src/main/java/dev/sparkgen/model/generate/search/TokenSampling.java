package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.BatchModel;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.generate.FinishReason;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.logits.LogitsPipeline;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
 * <p>Where tokens are chosen: for plain greedy (no processors), by the batch's own argmax ({@link
 * DecodeBatch#stepGreedy}); else, when every processor has a device form (every row without a
 * response format), where the logits are ({@link DeviceSampling}: only ids and log-probabilities
 * cross to the host); else (a batch with a response format, rows with their own settings, or
 * {@link #onHost()}) on the host from each row's copied logits ({@link TokenChoice#onHost}, the
 * reference path). The prefill's first tokens are chosen where the logits are too ({@link
 * DecodeBatch#prefill(dev.sparkgen.model.LogitsReader)}, {@link DeviceSampling}; for greedy its
 * argmax rule) whenever the steps after it are, so [prompts, V] prefill logits stay on the device as
 * well. All paths choose the same tokens.
 *
 * <p>Per-row settings (static batches): a prompt with its own {@link PromptInput#config()} is
 * decoded with that configuration's pipeline, selector, eos ids, stop strings, seed,
 * max_new_tokens, num_return_sequences and output_logprobs, in the same batch as the others (any
 * configuration without beam search); each row's result is what a search for its configuration
 * alone gives. A batch whose rows do not all share this search's settings chooses on the host.
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
  private final Map<GenerationConfig, TokenSampling> perRow = new HashMap<>(); // prompts' own settings

  /**
   * A search for {@code config}; {@code stops} also decodes the final text. Prompts with their own
   * settings get {@code stops}' decoding with their stop strings, and {@code uniforms} when their
   * seed is {@code config}'s, else {@link SeededUniforms} of their seed.
   */
  public TokenSampling(GenerationConfig config, UniformSource uniforms, StopStrings stops) {
    this(config, uniforms, stops, true);
  }

  private TokenSampling(GenerationConfig config, UniformSource uniforms, StopStrings stops, boolean onDevice) {
    if (config.numBeams() > 1) {
      throw new IllegalArgumentException("num_beams=" + config.numBeams() + " is beam search, not token sampling");
    }
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

  /** The search for a prompt's own settings: this one, or one made (once) for its configuration. */
  private TokenSampling rulesFor(PromptInput prompt) {
    GenerationConfig own = prompt.config();
    if (own == null || own.equals(config)) {
      return this;
    }
    return perRow.computeIfAbsent(own, c -> new TokenSampling(c,
        c.seed() == config.seed() ? uniforms : new SeededUniforms(c.seed()), stops.with(c.stop()), onDevice));
  }

  /** Generates for {@code prompts} in one batch; per prompt, its sequences by sample index. */
  public List<List<Sequence>> run(BatchModel model, List<PromptInput> prompts) {
    List<DecodeRow> rows = new ArrayList<>();
    List<int[]> ids = new ArrayList<>();
    List<Integer> fork = new ArrayList<>();
    boolean formats = prompts.stream().anyMatch(p -> p.constraint() != null);
    int maxNewTokens = 0;
    for (int p = 0; p < prompts.size(); p++) {
      PromptInput in = prompts.get(p);
      TokenSampling rules = rulesFor(in);
      maxNewTokens = Math.max(maxNewTokens, rules.config.maxNewTokens());
      ids.add(in.tokenIds());
      for (int s = 0; s < rules.config.numReturnSequences(); s++) {
        fork.add(p);
        ContinuationText text = rules.stops.continuation(in.tokenIds()); // one per row: it decodes incrementally
        DecodeRow row = new DecodeRow(p, s, in.tokenIds(), in.constraint(), rules.uniforms.stream(in.key(), s), text);
        row.rules = rules;
        rows.add(row);
      }
    }
    try (DecodeBatch batch = model.open(ids, maxNewTokens)) {
      for (DecodeRow row : rows) {
        row.limit = Math.min(row.rules.config.maxNewTokens(), batch.remaining(row.prompt));
      }
      Choosing how = choosing(batch, rows, formats);
      float[][] logits = null;
      Picks first = null;
      if (how.first != null) { // the first tokens too where the logits are: [prompts, V] -> each row's prompt
        long[] promptOf = rows.stream().mapToLong(row -> row.prompt).toArray();
        first = batch.prefill(prefill -> how.first.pick(prefill.get(prefill.getManager().create(promptOf)), rows));
      } else {
        float[][] prefill = batch.prefill(); // [prompts][V]
        logits = new float[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
          DecodeRow row = rows.get(r);
          logits[r] = row.sampleIndex == 0 ? prefill[row.prompt] : prefill[row.prompt].clone();
        }
      }
      if (rows.size() > prompts.size()) {
        // num_return_sequences > 1: fork each prefilled prompt instead of recomputing it
        batch.select(fork.stream().mapToInt(Integer::intValue).toArray());
      }
      decode(batch, rows, logits, first, how);
    }
    List<List<Sequence>> out = new ArrayList<>();
    for (int p = 0; p < prompts.size(); p++) {
      out.add(new ArrayList<>());
    }
    for (DecodeRow row : rows) {
      out.get(row.prompt).add(row.toSequence(row.rules.config.outputLogprobs()));
    }
    return out;
  }

  /**
   * Where a static batch's tokens are chosen: {@code picksInBatch}, the batch's own greedy argmax
   * (plain greedy, no processors); else {@code device} when it is not null; else on the host from
   * copied logits. {@code first} chooses the prefill's tokens where the logits are, or is null
   * (then the host chooses them).
   */
  private record Choosing(boolean formats, boolean picksInBatch, DeviceSampling device, DeviceSampling first) {}

  private Choosing choosing(DecodeBatch batch, List<DecodeRow> rows, boolean formats) {
    boolean picksInBatch = rows.stream().allMatch(
        row -> row.rules.selector == TokenSelector.GREEDY && row.rules.pipeline(formats).processors().isEmpty())
        && batch.picksGreedyItself();
    boolean shared = rows.stream().allMatch(row -> row.rules == this); // one pipeline for the whole batch
    DeviceSampling device = picksInBatch || !shared ? null : deviceSampling(pipeline(formats));
    // Greedy rows' first token: the device form of the empty pipeline is the batch's argmax rule.
    DeviceSampling first = device != null ? device : picksInBatch && shared ? deviceSampling(pipeline(formats)) : null;
    return new Choosing(formats, picksInBatch, device, first);
  }

  /**
   * The step loop; {@code rows} are aligned with the batch's rows, and either {@code logits} (the
   * prefill's, per row, on the host) or {@code first} (the first tokens, already chosen) is given.
   * Plain greedy (no processors) lets the batch pick tokens where the logits are, so [rows, V]
   * logits never cross to the host after prefill.
   */
  private void decode(DecodeBatch batch, List<DecodeRow> rows, float[][] logits, Picks first, Choosing how) {
    boolean formats = how.formats;
    boolean picksInBatch = how.picksInBatch;
    DeviceSampling device = how.device;
    Picks picks = first;
    List<DecodeRow> active = new ArrayList<>();
    for (DecodeRow row : rows) {
      if (row.limit <= 0) {
        row.rules.finish(row, FinishReason.LENGTH); // a prompt that already fills the context
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
            row.rules.accept(row, picks.tokens()[r], picks.logprobs()[r]);
          } else {
            row.rules.choose(row, logits[r], row.rules.pipeline(formats));
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
