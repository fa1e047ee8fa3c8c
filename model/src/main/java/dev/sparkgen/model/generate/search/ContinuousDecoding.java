package dev.sparkgen.model.generate.search;

import ai.djl.ndarray.NDArray;
import dev.sparkgen.model.Admission;
import dev.sparkgen.model.BatchModel;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.GreedyPicks;
import dev.sparkgen.model.generate.FinishReason;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.logits.LogitsPipeline;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;

/**
 * Greedy or sampling decoding with continuous batching: one {@link BatchModel#openContinuous
 * continuous batch} keeps up to {@code batchRows} rows decoding, and when a row finishes (eos,
 * stop string, length) the next prompt is prefilled into its row before the next step, instead of
 * the batch running until its longest row ends. When several rows are free, several waiting
 * prompts are prefilled in one call ({@link #calls}: prompts of similar length, up to {@link
 * DecodeBatch#admitsAtOnce()}), so that the weights stream once for all of them. Each of a prompt's
 * num_return_sequences samples is one row; samples admitted together share one prefill, and one
 * admitted later finds the prompt in the batch's prefix store. Prompts that share a token prefix of
 * at least {@code prefixMinTokens} ({@link SharedPrefixes}) are queued one after another and
 * compute it once.
 * Rows leave the batch (it shrinks) only when no prompt is left to take their place.
 *
 * <p>Each row's tokens and log-probabilities are those of the row decoded alone (within float
 * rounding): its keys, values, positions and mask are its own, and its random stream is keyed by
 * (seed, prompt key, sample index). Results come out as prompts complete ({@link #next}), in no
 * fixed order. A row whose processors leave no token to sample fails its prompt alone ({@link
 * Done#error()}); any other exception ends the run, and {@link #unfinished()} says which prompts
 * have no result yet.
 */
public final class ContinuousDecoding implements AutoCloseable {
  /** The least share of an admission call's width a prompt's own width must be to join it ({@link #calls}). */
  static final double CALL_FILL = 0.75;

  /**
   * One prompt's outcome: its sequences by sample index, or the error that ended it.
   *
   * @param prompt the prompt's index in the list given
   */
  public record Done(int prompt, List<Sequence> sequences, RuntimeException error) {}

  private final TokenSampling sampling;
  private final GenerationConfig config;
  private final BatchModel model;
  private final List<PromptInput> prompts;
  private final UniformSource uniforms;
  private final StopStrings stops;
  private final LogitsPipeline pipeline;
  private final int rows;
  private final int[] shared;
  private final Deque<int[]> queue = new ArrayDeque<>(); // (prompt, sample) still to admit, in order
  private final Deque<Done> done = new ArrayDeque<>();
  private final Sequence[][] results; // per prompt, per sample
  private final int[] missing; // per prompt: samples without a result
  private final boolean[] failed;
  private final boolean[] emitted;
  private DecodeBatch batch;
  private DecodeRow[] rowAt; // per batch row: its row, or null when free
  private final Deque<Integer> free = new ArrayDeque<>();
  private boolean picksInBatch;
  private DeviceSampling device; // non-null when sampling's processors run where the logits are
  private DeviceSampling first; // non-null when admitted prompts' first tokens are chosen where the logits are
  private boolean over;

  /**
   * A run over {@code prompts} with batches of up to {@code batchRows} rows (at least one
   * prompt's samples); {@code prefixMinTokens} 0 turns shared-prefix reuse off.
   */
  public ContinuousDecoding(BatchModel model, GenerationConfig config, UniformSource uniforms, StopStrings stops,
      List<PromptInput> prompts, int batchRows, int prefixMinTokens) {
    if (config.numBeams() > 1) {
      throw new IllegalArgumentException("continuous batching decodes greedy or sampling rows, not beams");
    }
    if (batchRows < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchRows);
    }
    this.sampling = new TokenSampling(config, uniforms, stops);
    this.config = config;
    this.model = model;
    this.prompts = prompts;
    this.uniforms = uniforms;
    this.stops = stops;
    this.pipeline = sampling.pipeline(prompts.stream().anyMatch(p -> p.constraint() != null));
    int copies = config.numReturnSequences();
    this.rows = (int) Math.min((long) prompts.size() * copies, Math.max(batchRows, copies));
    List<int[]> ids = prompts.stream().map(PromptInput::tokenIds).toList();
    SharedPrefixes plan = SharedPrefixes.of(ids, prefixMinTokens);
    this.shared = plan.shared();
    for (int p : plan.order()) {
      for (int s = 0; s < copies; s++) {
        queue.add(new int[] {p, s});
      }
    }
    this.results = new Sequence[prompts.size()][copies];
    this.missing = new int[prompts.size()];
    Arrays.fill(missing, copies);
    this.failed = new boolean[prompts.size()];
    this.emitted = new boolean[prompts.size()];
    this.over = prompts.isEmpty();
  }

  /** The next completed prompt, decoding as far as needed; null once every prompt has its result. */
  public Done next() {
    while (done.isEmpty() && !over) {
      try {
        advance();
      } catch (RuntimeException e) {
        close();
        over = true;
        throw e;
      }
    }
    return done.poll();
  }

  /** Indexes of the prompts without a result yet (in flight or not started), e.g. after a failure. */
  public List<Integer> unfinished() {
    List<Integer> out = new ArrayList<>();
    for (int p = 0; p < prompts.size(); p++) {
      if (!emitted[p]) {
        out.add(p);
      }
    }
    return out;
  }

  /** Admits into free rows, drops rows nothing can fill, then steps once. */
  private void advance() {
    if (batch == null) {
      int longest = prompts.stream().mapToInt(p -> p.tokenIds().length).max().orElse(1);
      batch = model.openContinuous(rows, longest, config.maxNewTokens());
      rowAt = new DecodeRow[rows];
      for (int r = 0; r < rows; r++) {
        free.add(r);
      }
      picksInBatch = sampling.picksInBatch(batch, pipeline);
      device = picksInBatch ? null : sampling.deviceSampling(pipeline);
      first = sampling.deviceSampling(pipeline); // greedy's too: the empty pipeline's device form is argmax
    }
    while (!queue.isEmpty() && !free.isEmpty()) {
      admitWaiting();
    }
    if (free.size() == batch.rows()) { // nothing left to decode
      if (queue.isEmpty()) {
        close();
        over = true;
      }
      return;
    }
    if (!free.isEmpty()) { // no prompt left for these rows: the batch shrinks
      int[] keep = new int[batch.rows() - free.size()];
      DecodeRow[] kept = new DecodeRow[keep.length];
      for (int r = 0, k = 0; r < rowAt.length; r++) {
        if (rowAt[r] != null) {
          keep[k] = r;
          kept[k++] = rowAt[r];
        }
      }
      batch.select(keep);
      rowAt = kept;
      free.clear();
    }
    int[] tokens = new int[rowAt.length];
    for (int r = 0; r < rowAt.length; r++) {
      tokens[r] = rowAt[r].history.get(rowAt[r].history.length() - 1);
    }
    if (picksInBatch) {
      GreedyPicks picks = batch.stepGreedy(tokens);
      for (int r = 0; r < rowAt.length; r++) {
        sampling.accept(rowAt[r], picks.tokens()[r], picks.logprobs()[r]);
        settle(r);
      }
    } else if (device != null) {
      List<DecodeRow> stepping = Arrays.asList(rowAt);
      Picks picks = batch.step(tokens, logits -> device.pick(logits, stepping));
      for (int r = 0; r < rowAt.length; r++) {
        accept(r, picks, r);
      }
    } else {
      float[][] logits = batch.step(tokens);
      for (int r = 0; r < rowAt.length; r++) {
        choose(r, logits[r]);
      }
    }
  }

  /**
   * Admits waiting prompts into the free rows: takes, in queue order, as many prompts as the free
   * rows hold (each with as many of its queued samples as fit; a prompt's samples share one prefill,
   * and one admitted later finds the prompt in the batch's prefix store), then admits them in
   * {@link #calls} of several prompts each, one prefill per call.
   */
  private void admitWaiting() {
    List<Waiting> waiting = new ArrayList<>();
    int rowsLeft = free.size();
    while (!queue.isEmpty() && rowsLeft > 0) {
      int p = queue.peek()[0];
      if (failed[p]) {
        queue.poll();
        continue;
      }
      List<int[]> samples = new ArrayList<>();
      while (!queue.isEmpty() && queue.peek()[0] == p && samples.size() < rowsLeft) {
        samples.add(queue.poll());
      }
      rowsLeft -= samples.size();
      waiting.add(new Waiting(p, samples, Math.max(1, prompts.get(p).tokenIds().length - shared[p])));
    }
    for (List<Waiting> call : calls(waiting, batch.admitsAtOnce())) {
      admit(call);
    }
  }

  /** A prompt about to be admitted: its queued samples, and the tokens its prefill likely computes. */
  record Waiting(int prompt, List<int[]> samples, int width) {}

  /**
   * Splits the prompts to admit into admission calls of at most {@code most} prompts. A call pads
   * its prompts to the one with the most tokens to compute (its width: the prompt less a prefix
   * other prompts share, which usually comes from the prefix store), and a padded token costs as
   * much as a real one, so prompts go together only when each is at least {@link #CALL_FILL} of the
   * call's width: sorted widest first, a call takes prompts while they are that wide. On this
   * project's CPU a token of an 8 x 96 prefill costs about 0.75 of one prefilled alone (2.2
   * against 2.6-3.3 ms, model/bench/README.md, issue 14's workload), so a call padded by more than a
   * quarter would lose what the batched GEMMs gain; where a prefill mostly streams weights (a GPU,
   * a large model) fuller calls still gain with more padding, and a smaller fill would do. The
   * order of calls changes no row's result.
   */
  static List<List<Waiting>> calls(List<Waiting> waiting, int most) {
    if (most <= 1) { // one prompt per call: in queue order
      return waiting.stream().map(List::of).toList();
    }
    List<Waiting> sorted = new ArrayList<>(waiting);
    sorted.sort(Comparator.comparingInt(Waiting::width).reversed()); // stable: queue order among equals
    List<List<Waiting>> out = new ArrayList<>();
    List<Waiting> call = new ArrayList<>();
    for (Waiting w : sorted) {
      if (!call.isEmpty() && (call.size() >= most || w.width() < CALL_FILL * call.get(0).width())) {
        out.add(call);
        call = new ArrayList<>();
      }
      call.add(w);
    }
    if (!call.isEmpty()) {
      out.add(call);
    }
    return out;
  }

  /**
   * Admits {@code call}'s prompts into free rows in one prefill; each sample chooses its first token
   * at once. When the batch refuses a prompt's own tokens (IllegalArgumentException, nothing
   * admitted), each prompt of the call is admitted alone, so that the refused one fails alone.
   */
  private void admit(List<Waiting> call) {
    List<Admission> admissions = new ArrayList<>(call.size());
    List<DecodeRow> admitted = new ArrayList<>();
    List<Integer> at = new ArrayList<>(); // per admitted sample: its batch row
    List<Integer> promptOf = new ArrayList<>(); // per admitted sample: its prompt's index in the call
    boolean fillsContext = false;
    for (int c = 0; c < call.size(); c++) {
      Waiting w = call.get(c);
      PromptInput in = prompts.get(w.prompt());
      int[] ids = in.tokenIds();
      int[] rows = new int[w.samples().size()];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = free.poll();
        at.add(rows[i]);
        promptOf.add(c);
        int sample = w.samples().get(i)[1];
        ContinuationText text = stops.continuation(ids); // one per row: it decodes incrementally
        admitted.add(new DecodeRow(w.prompt(), sample, ids, in.constraint(), uniforms.stream(in.key(), sample), text));
      }
      // A prompt with further samples shares all of itself with them (the store serves those admitted later).
      int reuse = config.numReturnSequences() > 1 ? ids.length : shared[w.prompt()];
      admissions.add(new Admission(rows, ids, reuse));
      fillsContext |= ids.length >= model.maxPositions();
    }
    // First tokens where the logits are, unless a prompt fills the context (its rows end at once).
    DeviceSampling picker = fillsContext ? null : first;
    float[][] logits = null;
    Picks picks = null;
    try {
      if (picker != null) { // [k, V] logits, one row per prompt, gathered to one row per admitted sample
        picks = batch.admit(admissions, last -> picker.pick(perSample(last, promptOf), admitted));
      } else {
        logits = batch.admit(admissions);
      }
    } catch (IllegalArgumentException e) { // a prompt's own tokens: the call's rows are free again
      for (int r : at) {
        free.add(r);
      }
      if (call.size() == 1) {
        fail(call.get(0).prompt(), e);
      } else {
        for (Waiting w : call) {
          admit(List.of(w));
        }
      }
      return;
    }
    for (int i = 0; i < at.size(); i++) {
      int r = at.get(i);
      DecodeRow row = admitted.get(i);
      row.limit = Math.min(config.maxNewTokens(), batch.remaining(r));
      rowAt[r] = row;
      if (row.limit <= 0) {
        sampling.finish(row, FinishReason.LENGTH); // a prompt that already fills the context
        settle(r);
      } else if (picks != null) {
        accept(r, picks, i);
      } else {
        choose(r, logits[promptOf.get(i)]); // choose never writes into the logits: samples may share them
      }
    }
  }

  /** [k, V] logits, one row per prompt, as one row per sample: [samples, V]. */
  private static NDArray perSample(NDArray last, List<Integer> promptOf) {
    int[] index = promptOf.stream().mapToInt(Integer::intValue).toArray();
    boolean same = index.length == last.getShape().get(0);
    for (int i = 0; same && i < index.length; i++) {
      same = index[i] == i;
    }
    return same ? last : last.get(last.getManager().create(index));
  }

  /** Row {@code r} takes its pick {@code i} of {@code picks}; a pick with nothing to sample fails its prompt. */
  private void accept(int r, Picks picks, int i) {
    DecodeRow row = rowAt[r];
    RuntimeException e = picks.failure(i);
    if (failed[row.prompt]) {
      release(r);
    } else if (e != null) { // nothing left to sample: the row fails its prompt alone
      release(r);
      fail(row.prompt, e);
    } else {
      sampling.accept(row, picks.tokens()[i], picks.logprobs()[i]);
      settle(r);
    }
  }

  /** Chooses row {@code r}'s next token; a row with no token left to sample fails its prompt. */
  private void choose(int r, float[] logits) {
    DecodeRow row = rowAt[r];
    if (failed[row.prompt]) {
      release(r);
      return;
    }
    try {
      sampling.choose(row, logits, pipeline);
    } catch (AllTokensFilteredException e) {
      release(r);
      fail(row.prompt, e);
      return;
    }
    settle(r);
  }

  /** Frees row {@code r} if its sequence has finished, recording the result. */
  private void settle(int r) {
    DecodeRow row = rowAt[r];
    if (failed[row.prompt]) {
      release(r);
      return;
    }
    if (!row.finished()) {
      return;
    }
    release(r);
    results[row.prompt][row.sampleIndex] = row.toSequence(config.outputLogprobs());
    if (--missing[row.prompt] == 0) {
      emitted[row.prompt] = true;
      done.add(new Done(row.prompt, List.of(results[row.prompt]), null));
      results[row.prompt] = null;
    }
  }

  private void release(int r) {
    rowAt[r] = null;
    free.add(r);
  }

  private void fail(int p, RuntimeException e) {
    if (!failed[p]) {
      failed[p] = true;
      emitted[p] = true;
      done.add(new Done(p, null, e));
      results[p] = null;
    }
  }

  @Override
  public void close() {
    if (batch != null) {
      batch.close();
      batch = null;
    }
  }
}
