package dev.sparkgen.model.generate;

import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.config.ModelConfig;
import java.util.Locale;

/**
 * The most native memory one batch of {@link Generator} needs, from the model's shape, the
 * generation settings, the scheduler and the longest prompt the batch will hold; all float32,
 * mirroring what {@link CausalLm}'s batches allocate:
 *
 * <ul>
 *   <li>KV cache: 2 (keys, values) x layers x rows x kvHeads x slots x headDim x 4 bytes, where a
 *       static batch has slots = longest prompt + min(max_new_tokens, context - 1) (rows are
 *       left-padded to the longest) and a continuous one slots = span + span / 2 with span =
 *       min(context, longest prompt + max_new_tokens) ({@link CausalLm#continuousSlots}), plus,
 *       when a continuous batch admits several prompts in one call, their own cache of prefill rows
 *       x longest prompt slots;
 *   <li>stored prefixes: a continuous batch with shared-prefix reuse, or with num_return_sequences
 *       above 1, keeps up to {@link CausalLm#STORED_PREFIXES} prompts' keys and values;
 *   <li>attention, one layer at a time: the larger of a prefill chunk's scores and probabilities,
 *       2 x prefill rows x heads x chunk x longest prompt x 4 (chunks of {@link
 *       CausalLm#prefillChunk} tokens), and a decode step's, 2 x rows x heads x slots x 4;
 *   <li>prefill activations: prefill rows x chunk x (query/key/value width + MLP width + 2 x
 *       hidden) x 4;
 *   <li>logits: [rows, vocab] natively and as a Java copy, 2 x rows x vocab x 4.
 * </ul>
 *
 * Rows: a static batch holds batch_size / (num_return_sequences, or num_beams) prompts' rows, at
 * least one prompt's, and prefills its prompts together; a continuous batch holds batch_size rows
 * (at least one prompt's samples) and prefills up to {@link CausalLm#ADMITTED_PROMPTS} prompts
 * together (one admission call; their further samples are copies). Beam search is always static.
 * The weights are not included (one copy per executor, shared by its tasks).
 *
 * @param rows rows decoding together
 * @param slots cache slots per row
 */
public record BatchMemory(int rows, int slots, long kvCache, long prefixes, long attention, long activations,
    long logits) {

  /**
   * The estimate for batches of {@code batchSize} (rows, as the job's batch_size) whose longest
   * prompt has {@code longestPrompt} tokens; {@code prefixReuse}: shared-prefix reuse is on.
   */
  public static BatchMemory of(ModelConfig c, GenerationConfig g, Scheduler scheduler, int batchSize,
      int longestPrompt, boolean prefixReuse) {
    int perPrompt = Generator.rowsPerPrompt(g);
    boolean continuous = scheduler == Scheduler.CONTINUOUS && g.numBeams() <= 1;
    long longest = Math.max(1, Math.min(longestPrompt, c.maxPositions()));
    long rows;
    long prefillRows;
    long slots;
    if (continuous) {
      rows = Math.max(batchSize, perPrompt);
      // Up to ADMITTED_PROMPTS prompts share one admission prefill (the batch's rows hold so many).
      prefillRows = Math.min(CausalLm.ADMITTED_PROMPTS, Math.max(1, rows / perPrompt));
      slots = CausalLm.continuousSlots((int) Math.max(1, Math.min(c.maxPositions(), longest + g.maxNewTokens())));
    } else {
      prefillRows = Generator.promptsPerBatch(g, batchSize);
      rows = perPrompt * prefillRows;
      slots = longest + Math.min(g.maxNewTokens(), c.maxPositions() - 1L);
    }
    long perSlot = 2L * c.numLayers() * c.numKvHeads() * c.headDim() * Float.BYTES; // keys and values of one token
    // A multi-prompt admission prefills in a cache of its own, prefill rows x longest prompt slots.
    long kv = rows * slots * perSlot + (continuous && prefillRows > 1 ? prefillRows * longest * perSlot : 0);
    long prefixes = continuous && (prefixReuse || perPrompt > 1) ? CausalLm.STORED_PREFIXES * longest * perSlot : 0;
    long chunk = Math.min(longest, CausalLm.prefillChunk(c.numHeads(), (int) prefillRows, (int) longest));
    long prefillScores = 2L * prefillRows * c.numHeads() * chunk * longest * Float.BYTES;
    long stepScores = 2L * rows * c.numHeads() * slots * Float.BYTES;
    long width = (long) (c.numHeads() + 2L * c.numKvHeads()) * c.headDim() + c.intermediateSize() + 2L * c.hiddenSize();
    long activations = prefillRows * chunk * width * Float.BYTES;
    long logits = 2L * rows * c.vocabSize() * Float.BYTES;
    return new BatchMemory((int) rows, (int) slots, kv, prefixes, Math.max(prefillScores, stepScores), activations,
        logits);
  }

  /** The whole estimate in bytes. */
  public long total() {
    return kvCache + prefixes + attention + activations + logits;
  }

  /**
   * The largest batch_size in [1, upTo] whose estimate fits {@code budget} for prompts of up to
   * {@code longestPrompt} tokens; 0 if not even one prompt's rows fit.
   */
  public static int largestFitting(ModelConfig c, GenerationConfig g, Scheduler scheduler, long budget,
      int longestPrompt, boolean prefixReuse, int upTo) {
    int lo = 0;
    int hi = upTo;
    while (lo < hi) { // the estimate grows with batch_size
      int mid = (lo + hi + 1) >>> 1;
      if (of(c, g, scheduler, mid, longestPrompt, prefixReuse).total() <= budget) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** The breakdown, for messages. */
  public String describe() {
    return String.format(Locale.ROOT, "%s (KV cache %s for %d rows x %d slots%s, attention %s, prefill activations %s,"
        + " logits %s)", size(total()), size(kvCache), rows, slots,
        prefixes > 0 ? ", stored prefixes " + size(prefixes) : "", size(attention), size(activations), size(logits));
  }

  /** Bytes as text in powers of 1024. */
  public static String size(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
