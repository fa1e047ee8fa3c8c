package dev.sparkgen.model.generate;

import dev.sparkgen.model.BatchModel;
import dev.sparkgen.model.generate.search.BeamSearch;
import dev.sparkgen.model.generate.search.ContinuousDecoding;
import dev.sparkgen.model.generate.search.SeededUniforms;
import dev.sparkgen.model.generate.search.StopStrings;
import dev.sparkgen.model.generate.search.TokenSampling;
import dev.sparkgen.model.generate.search.UniformSource;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batched generation over a {@link BatchModel}: greedy, sampling ({@link TokenSampling}) or beam
 * search ({@link BeamSearch}). The one place that batches, by its {@link Scheduler}: continuous
 * (the default; {@link ContinuousDecoding}: one batch of at most {@code batchSize} rows that
 * admits the next prompt whenever a row finishes, prompts sharing a prefix of at least {@link
 * #DEFAULT_PREFIX_MIN_TOKENS} tokens compute it once) or static (prompts are sorted by length and
 * cut into batches of at most {@code batchSize} rows, prompts x samples or beams, {@link
 * #batches}). Beam search is always static: its beams fork and reorder rows every step, and a
 * prompt's beams finish together, so a free row rarely comes alone. A row's result never
 * depends on its neighbours, so the order is free.
 *
 * <p>Per-row settings: a {@link PromptInput} may carry its own {@link PromptInput#config()}; such
 * prompts are batched statically ({@link #scheduler(List)}). Prompts without beam search share
 * batches whatever their settings (each row keeps its own logits pipeline, seed, stop strings and
 * lengths: {@link TokenSampling}); beam search prompts share a batch only with prompts of the very
 * same settings ({@link BeamSearch} runs one configuration).
 */
public final class Generator {
  /** Shared-prefix reuse's default minimum: prompts sharing at least this many first tokens compute them once. */
  public static final int DEFAULT_PREFIX_MIN_TOKENS = 32;

  private final BatchModel model;
  private final GenerationConfig config;
  private final StopStrings stops;
  private final UniformSource uniforms;
  private final Scheduler scheduler;
  private final int prefixMinTokens;

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
    this(model, config, stops, uniforms, Scheduler.CONTINUOUS, DEFAULT_PREFIX_MIN_TOKENS);
  }

  private Generator(BatchModel model, GenerationConfig config, StopStrings stops, UniformSource uniforms,
      Scheduler scheduler, int prefixMinTokens) {
    this.model = model;
    this.config = config;
    this.stops = stops;
    this.uniforms = uniforms;
    this.scheduler = scheduler;
    this.prefixMinTokens = prefixMinTokens;
  }

  /**
   * This generator with another scheduler and shared-prefix minimum ({@code prefixMinTokens} 0:
   * no reuse; continuous scheduling only).
   *
   * @throws IllegalArgumentException if {@code prefixMinTokens < 0}
   */
  public Generator withScheduler(Scheduler scheduler, int prefixMinTokens) {
    if (prefixMinTokens < 0) {
      throw new IllegalArgumentException("prefix_min_tokens must be >= 0, got " + prefixMinTokens);
    }
    return new Generator(model, config, stops, uniforms, scheduler, prefixMinTokens);
  }

  /** The scheduler {@link #generate} uses for this configuration: static for beam search. */
  public Scheduler scheduler() {
    return config.numBeams() > 1 ? Scheduler.STATIC : scheduler;
  }

  /**
   * The scheduler {@link #generate} uses for {@code prompts}: {@link #scheduler()}, but static when
   * some prompt has its own settings ({@link ContinuousDecoding} runs one configuration; per-row
   * settings share static batches, {@link #batches}).
   */
  public Scheduler scheduler(List<PromptInput> prompts) {
    return prompts.stream().anyMatch(p -> p.config() != null) ? Scheduler.STATIC : scheduler();
  }

  /** The rows one prompt takes in a batch: num_beams under beam search, else num_return_sequences. */
  public static int rowsPerPrompt(GenerationConfig config) {
    return config.numBeams() > 1 ? config.numBeams() : config.numReturnSequences();
  }

  /**
   * The prompts in one batch of at most {@code batchSize} rows: batchSize / {@link #rowsPerPrompt}, but
   * at least one, because a prompt's rows (its samples or beams) always share a batch.
   *
   * @throws IllegalArgumentException if {@code batchSize < 1}
   */
  public static int promptsPerBatch(GenerationConfig config, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    return Math.max(1, batchSize / rowsPerPrompt(config));
  }

  /**
   * How {@link #generate} batches {@code prompts}: each array holds the indexes (into {@code
   * prompts}) of one batch of at most {@code batchSize} rows (a prompt takes {@link #rowsPerPrompt}
   * rows of its settings; a batch holds at least one prompt). Prompts are ordered by length
   * (stable), so one batch holds similar lengths and wastes less compute on left padding and on
   * rows that finish early; a row's result never depends on its neighbours, so the order is free.
   * Prompts whose settings cannot share a batch ({@link #batchGroup}) are planned apart, groups in
   * the order of their shortest prompt. Callers that generate batch by batch ({@link
   * #generateBatch}) walk this plan.
   */
  public List<int[]> batches(List<PromptInput> prompts, int batchSize) {
    promptsPerBatch(config, batchSize); // checks batchSize
    Integer[] order = new Integer[prompts.size()];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingInt(i -> prompts.get(i).tokenIds().length));
    Map<Object, List<Integer>> groups = new LinkedHashMap<>();
    for (int i : order) {
      groups.computeIfAbsent(batchGroup(configOf(prompts.get(i))), g -> new ArrayList<>()).add(i);
    }
    List<int[]> plan = new ArrayList<>();
    for (List<Integer> group : groups.values()) {
      List<Integer> batch = new ArrayList<>();
      int rows = 0;
      for (int i : group) {
        int need = rowsPerPrompt(configOf(prompts.get(i)));
        if (!batch.isEmpty() && rows + need > batchSize) {
          plan.add(batch.stream().mapToInt(Integer::intValue).toArray());
          batch.clear();
          rows = 0;
        }
        batch.add(i);
        rows += need;
      }
      if (!batch.isEmpty()) {
        plan.add(batch.stream().mapToInt(Integer::intValue).toArray());
      }
    }
    return plan;
  }

  /** A prompt's settings: its own, else this generator's. */
  private GenerationConfig configOf(PromptInput prompt) {
    return prompt.config() != null ? prompt.config() : config;
  }

  /**
   * Which prompts may share a batch: every configuration without beam search shares one group
   * (token sampling decodes each row by its own settings); beam search needs equal settings.
   */
  private static Object batchGroup(GenerationConfig c) {
    return c.numBeams() > 1 ? c : "token sampling";
  }

  /**
   * Generates for every prompt with this generator's {@link #scheduler()}, batches of at most
   * {@code batchSize} rows (at least one prompt); returns, in input order, each prompt's
   * num_return_sequences sequences (sampleIndex 0..n-1). Errors as in {@link #generateBatch}: the
   * first prompt's error ends the call.
   */
  public List<List<Sequence>> generate(List<PromptInput> prompts, int batchSize) {
    checkFormats(prompts); // before any batch runs
    List<List<Sequence>> out = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      out.add(null);
    }
    if (scheduler(prompts) == Scheduler.CONTINUOUS) {
      try (ContinuousDecoding run = decode(prompts, batchSize)) {
        for (ContinuousDecoding.Done d = run.next(); d != null; d = run.next()) {
          if (d.error() != null) {
            throw d.error();
          }
          out.set(d.prompt(), d.sequences());
        }
      }
      return out;
    }
    for (int[] batch : batches(prompts, batchSize)) {
      List<PromptInput> chunk = new ArrayList<>(batch.length);
      for (int i : batch) {
        chunk.add(prompts.get(i));
      }
      List<List<Sequence>> results = generateBatch(chunk);
      for (int j = 0; j < batch.length; j++) {
        out.set(batch[j], results.get(j));
      }
    }
    return out;
  }

  /**
   * A continuous-batching run over {@code prompts} (greedy or sampling), batches of at most
   * {@code batchSize} rows: results come out as prompts complete ({@link ContinuousDecoding#next}),
   * so a caller can stream them and keep a failing prompt's error to itself.
   *
   * @throws IllegalArgumentException under beam search, for prompts with their own settings, or if {@code
   *     batchSize < 1}
   */
  public ContinuousDecoding decode(List<PromptInput> prompts, int batchSize) {
    checkFormats(prompts);
    if (prompts.stream().anyMatch(p -> p.config() != null)) {
      throw new IllegalArgumentException("continuous batching runs one configuration: not for prompts with their"
          + " own settings (use batches() and generateBatch())");
    }
    return new ContinuousDecoding(model, config, uniforms, stops, prompts, batchSize, prefixMinTokens);
  }

  /**
   * Generates one batch as given, all its prompts' rows decoded together; returns, in input order,
   * each prompt's num_return_sequences sequences (sampleIndex 0..n-1).
   *
   * <p>Beam search returns the best finished hypotheses, best first; fewer than
   * num_return_sequences only in degenerate cases (scores of -inf). A prompt that already fills the
   * model's context yields empty sequences (reason length). The prompts' tokens are checked by the
   * model (empty, longer than the context, ids outside the vocabulary: {@link
   * IllegalArgumentException}); callers with rows to name check them first, as the job's prompt
   * preparer does. A response format without an eos_token_id to end it is refused with the
   * prompt's index and key before any work starts. When sampling, a row whose logits processors
   * leave no token throws {@link dev.sparkgen.model.generate.search.AllTokensFilteredException}
   * naming the step (Hugging Face fails there as well); run that prompt alone to tell it from its
   * batch neighbours. Prompts with a {@link PromptInput#constraint() response format} decode
   * through the host logits (not the batch's own argmax), masked by the format.
   */
  public List<List<Sequence>> generateBatch(List<PromptInput> batch) {
    checkFormats(batch);
    GenerationConfig first = batch.isEmpty() ? config : configOf(batch.get(0));
    for (PromptInput p : batch) {
      if (!batchGroup(configOf(p)).equals(batchGroup(first))) {
        throw new IllegalArgumentException("prompt with key " + p.key() + " cannot share a batch with key "
            + batch.get(0).key() + ": beam search runs one configuration per batch (plan batches with batches())");
      }
    }
    if (first.numBeams() > 1) {
      return new BeamSearch(first, stops.with(first.stop())).run(model, batch);
    }
    // Token sampling decodes prompts with their own settings by those; the generator's own are its base.
    GenerationConfig base = config.numBeams() > 1 ? first : config;
    return new TokenSampling(base, base == config ? uniforms : new SeededUniforms(base.seed()),
        stops.with(base.stop())).run(model, batch);
  }

  private void checkFormats(List<PromptInput> prompts) {
    for (int i = 0; i < prompts.size(); i++) {
      PromptInput prompt = prompts.get(i);
      if (prompt.constraint() != null && configOf(prompt).eosTokenId().isEmpty()) {
        throw new IllegalArgumentException("prompt " + i + " (key " + prompt.key() + ") has a response format but"
            + " eos_token_id is unset: a constrained row ends with eos where its text is complete");
      }
    }
  }
}
