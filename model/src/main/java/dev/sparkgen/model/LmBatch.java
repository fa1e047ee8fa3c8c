package dev.sparkgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.sparkgen.model.cache.KvCache;
import dev.sparkgen.model.cache.PrefixKv;
import dev.sparkgen.model.cache.PrefixStore;
import dev.sparkgen.model.nn.RopeTable;
import dev.sparkgen.model.nn.StepInputs;
import java.util.Arrays;
import java.util.List;

/**
 * {@link CausalLm}'s decode batch. Every row writes the same cache slot each step: a row's tokens
 * sit in slots {@code [pad[r], slots)}, right-aligned to the write slot, with padding before them.
 * Hugging Face positions ({@code cumsum(mask) - 1}) and an additive mask make the padding
 * invisible, so a row's logits do not depend on its neighbours. Sliding windows count cache slots
 * (for a row's contiguous tokens, the same as positions). Each call runs in an {@link NDScope}, so
 * native memory does not grow with the number of steps.
 *
 * <p><b>Static</b> ({@link BatchModel#open}): the prompts are left-padded to the longest and
 * prefilled together. <b>Continuous</b> ({@link BatchModel#openContinuous}): the batch opens with
 * vacant rows and takes prompts as rows free up ({@link #admit}), also into rows whose sequence has
 * finished. An admitted prompt of L tokens sits in its row's slots {@code [slots - L, slots)}, so it
 * joins the next step like any other row; a token's keys and values depend on its position, not on
 * its slot, so where a row sits changes nothing. One prompt is prefilled alone, in place (a {@link
 * KvCache#row view} of the row); up to {@link CausalLm#ADMITTED_PROMPTS} admitted in one call are
 * prefilled together, left-padded to the longest, in a cache of their own that is then copied into
 * their rows ({@link #admitted(List)}). When a prompt is longer than the slots before the write slot, every
 * row moves up; when the write slot reaches the cache's end, every row moves down by the slots
 * no row uses any more (the oldest row's padding), and the cache grows by half when that frees
 * less than a quarter. Steps read slots from the first one any row uses.
 *
 * <p><b>Chunked prefill</b>: prompts run in chunks of tokens whose attention scores, [rows, heads,
 * chunk, keys], stay within {@link CausalLm#PREFILL_ATTENTION_BYTES}; each chunk writes its keys
 * and values and attends to every earlier slot, so the logits equal one whole-prompt call (within
 * float rounding) while the scores grow with the prompt's length, not its square.
 *
 * <p><b>Shared prefixes</b>: an admitted prompt may name how many of its first tokens other prompts
 * share; their keys and values are computed once as a chunk of their own, kept in a small {@link
 * PrefixStore} and written into later rows instead of being computed again.
 *
 * <p>LongRoPE (Phi-3) evaluates a sequence of L tokens entirely with its short table while
 * {@code L <= N} and entirely with its long table once {@code L > N}: Hugging Face discards the
 * cache and re-runs the whole sequence at the step that crosses N. Here the table is chosen per
 * row by that row's own length (HF lets the longest row of a batch decide for all, so a row's
 * result would depend on its batch). A static batch re-runs its whole sequence at the step where
 * any row crosses N, each row with its own table; a continuous batch re-runs the crossing row
 * alone, in place, after the step. Prefixes are stored with the table their prompt used.
 */
final class LmBatch implements DecodeBatch {
  private static final float MASKED = -Float.MAX_VALUE; // HF fills with the dtype's most negative value

  private final CausalLm lm;
  private final NDManager manager;
  private final KvCache cache;
  private final int vocab;
  private final boolean continuous;
  private final int chunkOverride; // tokens per prefill chunk, or 0: from the attention budget
  private int[][] prompts; // per row; null for a vacant row of a continuous batch
  private int[] pad; // per row: slots before its first token
  private int[] length; // per row: real tokens so far (prompt + generated)
  private int slots; // the next write slot, the same for every row
  private boolean prefilled;
  private NDArray stepMask; // [rows, 1, 1, capacity], or null when no row is padded
  private boolean maskStale;
  private int[][] slotIds; // per row, the token in each cache slot (0 for padding): what a re-run reads
  private RopeTable rope; // cos/sin rows for this batch's positions, or null (GPT-2)
  private final int window; // the sliding window of the layers that have one, or 0
  private final PrefixStore prefixes;
  private long prefillTokens; // tokens whose keys and values were computed by a prefill (tests, benchmarks)
  private long reusedTokens; // prompt tokens whose keys and values came from the prefix store

  /** A static batch of {@code prompts}; {@code chunk} tokens per prefill chunk, 0 for the default. */
  LmBatch(CausalLm lm, List<int[]> prompts, int maxNewTokens, int chunk) {
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one prompt");
    }
    this.lm = lm;
    this.vocab = lm.vocabSize();
    this.continuous = false;
    this.chunkOverride = chunk;
    this.prompts = prompts.toArray(new int[0][]);
    int rows = this.prompts.length;
    int longest = 0;
    int shortest = Integer.MAX_VALUE;
    for (int[] p : this.prompts) {
      checkPrompt(p);
      longest = Math.max(longest, p.length);
      shortest = Math.min(shortest, p.length);
    }
    this.pad = new int[rows];
    this.length = new int[rows];
    for (int r = 0; r < rows; r++) {
      pad[r] = longest - this.prompts[r].length;
      length[r] = this.prompts[r].length;
    }
    // No row can use more than (context - its prompt) new tokens, so the shortest bounds the cache.
    int newTokens = Math.max(0, Math.min(maxNewTokens, lm.maxPositions() - shortest));
    this.manager = lm.manager().newSubManager();
    this.cache = lm.newCache(rows, longest + newTokens);
    this.slotIds = new int[rows][cache.capacity()];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(this.prompts[r], 0, slotIds[r], pad[r], this.prompts[r].length);
    }
    this.rope = lm.ropeTable(manager, cache.capacity());
    this.window = lm.config().layerWindows().stream().filter(w -> w != null).findFirst().orElse(0);
    this.prefixes = null;
    this.maskStale = true;
  }

  /**
   * A continuous batch of {@code rows} vacant rows, sized for prompts of up to {@code longestPrompt}
   * tokens and {@code maxNewTokens} new ones (it grows when a longer one comes).
   */
  LmBatch(CausalLm lm, int rows, int longestPrompt, int maxNewTokens, int chunk) {
    if (rows < 1) {
      throw new IllegalArgumentException("a batch needs at least one row, got " + rows);
    }
    this.lm = lm;
    this.vocab = lm.vocabSize();
    this.continuous = true;
    this.chunkOverride = chunk;
    this.prompts = new int[rows][];
    this.pad = new int[rows];
    this.length = new int[rows];
    int span = Math.max(1, Math.min(lm.maxPositions(), longestPrompt + Math.max(0, maxNewTokens)));
    this.manager = lm.manager().newSubManager();
    this.cache = lm.newCache(rows, CausalLm.continuousSlots(span));
    this.slotIds = new int[rows][cache.capacity()];
    this.rope = lm.ropeTable(manager, span);
    this.window = lm.config().layerWindows().stream().filter(w -> w != null).findFirst().orElse(0);
    this.prefixes = new PrefixStore(CausalLm.STORED_PREFIXES);
    this.prefilled = true; // rows are prefilled as they are admitted
    this.maskStale = true;
  }

  private void checkPrompt(int[] p) {
    if (p.length == 0) {
      throw new IllegalArgumentException("empty prompt");
    }
    if (p.length > lm.maxPositions()) {
      throw new IllegalArgumentException("prompt of " + p.length + " tokens exceeds the context of " + lm.maxPositions());
    }
    for (int id : p) {
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocab + ")");
      }
    }
  }

  @Override
  public int rows() {
    return prompts.length;
  }

  @Override
  public float[][] prefill() {
    try (NDScope ignored = new NDScope()) {
      return split(forwardPrompts(false).toFloatArray(), prompts.length);
    }
  }

  @Override
  public <T> T prefill(LogitsReader<T> reader) {
    try (NDScope ignored = new NDScope()) {
      return reader.read(forwardPrompts(false).reshape(prompts.length, vocab)); // [B, V]; freed with the scope
    }
  }

  /** Prefill returning logits at every position of row 0: [T][V] (single-row batches). */
  float[][] prefillAll() {
    try (NDScope ignored = new NDScope()) {
      return split(forwardPrompts(true).toFloatArray(), prompts[0].length);
    }
  }

  private NDArray forwardPrompts(boolean allPositions) {
    if (continuous) {
      throw new IllegalStateException("a continuous batch takes its prompts through admit");
    }
    if (prefilled) {
      throw new IllegalStateException("prefill already ran");
    }
    prefilled = true;
    NDArray logits = forwardAll(pad[0] + prompts[0].length, allPositions);
    return allPositions ? logits.get("0") : logits;
  }

  /** Tokens per prefill chunk for {@code rows} rows attending to up to {@code keys} slots. */
  private int chunkTokens(int rows, int keys) {
    if (chunkOverride > 0) {
      return chunkOverride;
    }
    return CausalLm.prefillChunk(lm.config().numHeads(), rows, keys);
  }

  /**
   * Runs slots [0, t) of every row from scratch (a static prefill, or a longrope re-run), in
   * chunks: ids from {@link #slotIds}, each row's sequence is {@code length[r]} tokens long.
   * Returns the last slot's logits, [B, V] ([B, 1, V] when the last chunk has one slot), or with
   * {@code allPositions} every slot's, [B, t, V].
   */
  private NDArray forwardAll(int t, boolean allPositions) {
    NDArray logits = forwardSlots(cache, slotIds, pad, length, 0, t, allPositions);
    slots = t;
    return logits;
  }

  /**
   * Runs slots [from, to) of every row of {@code kv}, in chunks, each attending to slots [0, end
   * of chunk): row r's tokens sit in slots [rowPad[r], to) with ids {@code ids[r][slot]}, the slots
   * before are padding (masked, position 1), and its sequence is {@code rowLength[r]} tokens long
   * (the longrope table). Slots before {@code from} must hold their keys and values already. Returns
   * the last slot's logits, [B, V] or [B, 1, V], or with {@code allPositions} every slot's, [B, to -
   * from, V].
   */
  private NDArray forwardSlots(KvCache kv, int[][] ids, int[] rowPad, int[] rowLength, int from, int to,
      boolean allPositions) {
    int rows = rowPad.length;
    int chunk = chunkTokens(rows, to);
    NDArray[] parts = allPositions ? new NDArray[(to - from + chunk - 1) / chunk] : null;
    NDArray logits = null;
    for (int a = from, part = 0; a < to; a += chunk, part++) {
      int b = Math.min(to, a + chunk);
      int n = b - a;
      long[] chunkIds = new long[rows * n];
      long[] pos = new long[rows * n];
      long[] ropeRows = new long[rows * n];
      float[] bias = new float[rows * n * b];
      float[] windowBias = window > 0 ? new float[rows * n * b] : null;
      for (int r = 0; r < rows; r++) {
        for (int i = a; i < b; i++) {
          int q = r * n + i - a;
          boolean real = i >= rowPad[r];
          chunkIds[q] = ids[r][i];
          pos[q] = real ? i - rowPad[r] : 1; // HF: cumsum(mask) - 1, padding set to 1
          ropeRows[q] = rope == null ? 0 : rope.row((int) pos[q], rowLength[r]);
          for (int j = 0; j < b; j++) {
            boolean visible = j <= i && j >= rowPad[r];
            bias[q * b + j] = visible ? 0f : MASKED;
            if (windowBias != null) {
              windowBias[q * b + j] = visible && i - j < window ? 0f : MASKED;
            }
          }
        }
      }
      Shape square = new Shape(rows, 1, n, b);
      if (logits != null && !allPositions) {
        logits.close(); // an earlier chunk's last position
      }
      logits = run(chunkIds, pos, ropeRows, manager.create(bias, square),
          windowBias == null ? null : manager.create(windowBias, square), rows, n, a, 0, kv, allPositions);
      if (allPositions) {
        parts[part] = logits;
      }
    }
    if (allPositions && parts.length > 1) {
      return ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(parts), 1); // [B, to - from, V]
    }
    return logits;
  }

  /**
   * Admits a prompt (continuous batches): prefills it once, in place, into batch row {@code
   * rows[0]} and copies it into the other given rows (its further samples), each a vacant row or
   * one whose sequence has finished (it is replaced). The first {@code sharedPrefix} tokens (capped
   * at the prompt's length - 1, 0 for none) are a prefix other prompts share: their keys and values
   * come from this batch's prefix store when there, else are computed as a chunk of their own and
   * stored. Returns the logits at the prompt's last token, [V]. Other rows are unaffected, though
   * all rows may move to other slots.
   */
  @Override
  public float[] admit(int[] rows, int[] prompt, int sharedPrefix) {
    try (NDScope ignored = new NDScope()) {
      return admitted(rows, prompt, sharedPrefix).toFloatArray();
    }
  }

  /** {@link #admit}'s work; the prompt's last logits, [1, V] or [1, 1, V], in the caller's scope. */
  private NDArray admitted(int[] rows, int[] prompt, int sharedPrefix) {
    if (!continuous) {
      throw new UnsupportedOperationException("a static batch takes no rows after it opens");
    }
    checkPrompt(prompt);
    boolean[] taken = new boolean[prompts.length];
    take(rows, taken);
    int len = prompt.length;
    if (slots < len) {
      makeRoomBefore(len, taken); // move every other row up so the prompt fits before the write slot
    }
    int start = slots - len;
    for (int r : rows) {
      prompts[r] = prompt;
      pad[r] = start;
      length[r] = len;
      Arrays.fill(slotIds[r], 0);
      System.arraycopy(prompt, 0, slotIds[r], start, len);
    }
    maskStale = true;
    NDArray logits = prefillRow(rows[0], prompt, start, sharedPrefix);
    for (int i = 1; i < rows.length; i++) {
      cache.copyRow(rows[0], rows[i], start, slots);
    }
    return logits;
  }

  /** Marks {@code rows} (at least one) in {@code taken}; refuses a row outside the batch or already taken. */
  private void take(int[] rows, boolean[] taken) {
    if (rows.length == 0) {
      throw new IllegalArgumentException("admit needs at least one row per prompt");
    }
    for (int r : rows) {
      if (r < 0 || r >= prompts.length || taken[r]) {
        throw new IllegalArgumentException("row " + r + " is not a distinct row of this batch of " + prompts.length);
      }
      taken[r] = true;
    }
  }

  @Override
  public int admitsAtOnce() {
    return continuous ? CausalLm.ADMITTED_PROMPTS : 1;
  }

  /**
   * Admits several prompts with one prefill (continuous batches): see {@link #admitted(List)}.
   * Returns per prompt the logits at its last token, [prompts][V].
   */
  @Override
  public float[][] admit(List<Admission> admissions) {
    try (NDScope ignored = new NDScope()) {
      return split(admitted(admissions).toFloatArray(), admissions.size());
    }
  }

  @Override
  public <T> T admit(List<Admission> admissions, LogitsReader<T> reader) {
    try (NDScope ignored = new NDScope()) {
      return reader.read(admitted(admissions).reshape(admissions.size(), vocab)); // [k, V]; freed with the scope
    }
  }

  /**
   * {@link #admit(List)}'s work; the prompts' last logits, [k, V] or [k, 1, V], in the caller's
   * scope. One prompt goes the single-prompt way ({@link #admitted(int[], int[], int)}). Several
   * are checked first (nothing changes when one is refused), then prefilled together in a cache of
   * their own, [k, longest] slots, each prompt right-aligned to its end as it will sit in its rows
   * (slots [slots - L, slots)): first the shared prefixes, prompt by prompt, written from the store,
   * or computed alone and stored when a later prompt of the same admission shares it (else computed
   * in the pass with the rest of its prompt and stored after it); then one left-padded forward pass
   * over the last {@code width} slots, width = the most tokens any prompt still lacks. A prompt shorter than width is padded (masked, like a static batch's rows); one
   * longer has its first L - width tokens from its prefix and recomputes the rest of its prefix
   * with the others (a padded slot would cost as much, and would overwrite the prefix's keys before
   * its own tokens read them). Each row's keys and values are then copied into its batch rows.
   */
  private NDArray admitted(List<Admission> admissions) {
    if (!continuous) {
      throw new UnsupportedOperationException("a static batch takes no rows after it opens");
    }
    int k = admissions.size();
    if (k == 0) {
      throw new IllegalArgumentException("admit needs at least one prompt");
    }
    if (k == 1) {
      Admission a = admissions.get(0);
      return admitted(a.rows(), a.prompt(), a.sharedPrefix());
    }
    if (k > admitsAtOnce()) {
      throw new IllegalArgumentException(k + " prompts in one admission; this batch takes at most " + admitsAtOnce());
    }
    boolean[] taken = new boolean[prompts.length];
    int longest = 0;
    for (Admission a : admissions) {
      checkPrompt(a.prompt());
      take(a.rows(), taken);
      longest = Math.max(longest, a.prompt().length);
    }
    if (slots < longest) {
      makeRoomBefore(longest, taken); // move every other row up so the longest fits before the write slot
    }
    ensureRope(longest);
    int[][] ids = new int[k][longest]; // [k, longest]: fresh slot s is this batch's slot (slots - longest + s)
    int[] freshPad = new int[k];
    int[] len = new int[k];
    int[] reuse = new int[k];
    boolean[] longTable = new boolean[k];
    for (int i = 0; i < k; i++) {
      int[] p = admissions.get(i).prompt();
      len[i] = p.length;
      freshPad[i] = longest - p.length;
      System.arraycopy(p, 0, ids[i], freshPad[i], p.length);
      reuse[i] = reusable(admissions.get(i).sharedPrefix(), p.length);
      longTable[i] = longTable(p.length);
    }
    NDArray logits;
    try (KvCache fresh = lm.newCache(k, longest)) {
      int[] done = new int[k]; // per prompt: its first tokens whose keys and values are in place before the pass
      boolean[] stored = new boolean[k];
      boolean[] toStore = new boolean[k];
      int width = 0;
      for (int i = 0; i < k; i++) {
        int[] p = admissions.get(i).prompt();
        if (reuse[i] > 0) {
          PrefixKv hit = prefixes.find(p, reuse[i], longTable[i]);
          if (hit != null || neededLater(admissions, reuse, longTable, i)) {
            try (KvCache row = fresh.row(i)) { // no hit: a later prompt of this admission shares it
              stored[i] = writePrefix(row, p, reuse[i], longTable[i], freshPad[i], hit);
            }
            done[i] = reuse[i];
          } else {
            toStore[i] = true; // computed in the pass with the others, stored after it
          }
        }
        width = Math.max(width, len[i] - done[i]);
      }
      logits = forwardSlots(fresh, ids, freshPad, len, longest - width, longest, false);
      for (int i = 0; i < k; i++) {
        int kept = Math.max(0, len[i] - width); // prefix tokens not recomputed by the pass
        prefillTokens += len[i] - kept;
        if (stored[i]) {
          reusedTokens += kept;
        }
        if (toStore[i]) {
          try (KvCache row = fresh.row(i)) {
            storePrefix(row, admissions.get(i).prompt(), reuse[i], longTable[i], freshPad[i]);
          }
        }
        for (int r : admissions.get(i).rows()) {
          cache.copyFrom(fresh, i, freshPad[i], r, slots - len[i], len[i]);
          prompts[r] = admissions.get(i).prompt();
          pad[r] = slots - len[i];
          length[r] = len[i];
          Arrays.fill(slotIds[r], 0);
          System.arraycopy(prompts[r], 0, slotIds[r], pad[r], len[i]);
        }
      }
    }
    maskStale = true;
    return logits;
  }

  /** Whether a prompt after {@code i} in {@code admissions} would find prompt i's prefix in the store. */
  private static boolean neededLater(List<Admission> admissions, int[] reuse, boolean[] longTable, int i) {
    int[] p = admissions.get(i).prompt();
    for (int j = i + 1; j < admissions.size(); j++) {
      int[] q = admissions.get(j).prompt();
      if (reuse[j] > 0 && reuse[j] <= reuse[i] && longTable[j] == longTable[i]
          && Arrays.equals(p, 0, reuse[j], q, 0, reuse[j])) {
        return true;
      }
    }
    return false;
  }

  /**
   * Computes row {@code r}'s keys and values for {@code seq} at slots [start, start + seq.length)
   * (a new prompt, or a longrope re-run), reusing a stored prefix of {@code shared} tokens, in
   * chunks; returns the last token's logits, [1, V] or [1, 1, V], in the caller's scope.
   */
  private NDArray prefillRow(int r, int[] seq, int start, int shared) {
    ensureRope(seq.length);
    int reuse = reusable(shared, seq.length);
    try (KvCache row = cache.row(r)) {
      if (reuse > 0) {
        boolean longTable = longTable(seq.length);
        if (writePrefix(row, seq, reuse, longTable, start, prefixes.find(seq, reuse, longTable))) {
          reusedTokens += reuse;
        }
      }
      return forwardRow(row, seq, reuse, seq.length, start);
    }
  }

  /** How many of a prompt's L tokens a shared prefix of {@code shared} can supply: at most L - 1 (the last is run). */
  private static int reusable(int shared, int length) {
    return Math.max(0, Math.min(shared, length - 1));
  }

  /** Whether a sequence of {@code length} tokens takes the long rope table (LongRoPE past its original context). */
  private boolean longTable(int length) {
    return rope != null && length > rope.longAfter();
  }

  /**
   * Puts the keys and values of {@code seq}'s first {@code reuse} tokens into the one-row cache
   * {@code row} at slots [start, start + reuse): {@code hit}'s from the prefix store, or (null)
   * computed alone and stored. Returns whether they came from the store.
   */
  private boolean writePrefix(KvCache row, int[] seq, int reuse, boolean longTable, int start, PrefixKv hit) {
    if (hit != null) {
      row.writePrefix(hit, reuse, start);
      return true;
    }
    forwardRow(row, seq, 0, reuse, start).close();
    storePrefix(row, seq, reuse, longTable, start);
    return false;
  }

  /** Stores the keys and values of {@code seq}'s first {@code reuse} tokens, at {@code row}'s slots from {@code start}. */
  private void storePrefix(KvCache row, int[] seq, int reuse, boolean longTable, int start) {
    prefixes.add(row.copyPrefix(Arrays.copyOf(seq, reuse), longTable, start, manager));
  }

  /**
   * Runs tokens [from, to) of one row's sequence {@code seq} (its first token at slot {@code
   * start}) on a one-row cache, in chunks, each attending to slots [start, start + end of chunk);
   * returns the last position's logits.
   */
  private NDArray forwardRow(KvCache row, int[] seq, int from, int to, int start) {
    int len = seq.length;
    int chunk = chunkTokens(1, to);
    NDArray logits = null;
    for (int a = from; a < to; a += chunk) {
      int b = Math.min(to, a + chunk);
      int n = b - a;
      long[] ids = new long[n];
      long[] pos = new long[n];
      long[] ropeRows = new long[n];
      float[] bias = n > 1 ? new float[n * b] : null; // a single token sees every slot before it
      float[] windowBias = n > 1 && window > 0 ? new float[n * b] : null;
      for (int i = a; i < b; i++) {
        ids[i - a] = seq[i];
        pos[i - a] = i;
        ropeRows[i - a] = rope == null ? 0 : rope.row(i, len);
        for (int j = 0; bias != null && j < b; j++) {
          bias[(i - a) * b + j] = j <= i ? 0f : MASKED;
          if (windowBias != null) {
            windowBias[(i - a) * b + j] = j <= i && i - j < window ? 0f : MASKED;
          }
        }
      }
      if (logits != null) {
        logits.close();
      }
      Shape square = new Shape(1, 1, n, b);
      logits = run(ids, pos, ropeRows, bias == null ? null : manager.create(bias, square),
          windowBias == null ? null : manager.create(windowBias, square), 1, n, start + a, start, row, false);
      prefillTokens += n;
    }
    return logits;
  }

  @Override
  public float[][] step(int[] tokens) {
    try (NDScope ignored = new NDScope()) {
      return split(forwardStep(tokens).toFloatArray(), tokens.length);
    }
  }

  @Override
  public <T> T step(int[] tokens, LogitsReader<T> reader) {
    try (NDScope ignored = new NDScope()) {
      return reader.read(forwardStep(tokens).reshape(tokens.length, vocab)); // [B, V]; the reader's arrays go with the scope
    }
  }

  @Override
  public boolean picksGreedyItself() {
    return true;
  }

  @Override
  public GreedyPicks stepGreedy(int[] tokens) {
    try (NDScope ignored = new NDScope()) {
      NDArray logits = forwardStep(tokens).reshape(tokens.length, vocab); // [B, V]
      long[] best = logits.argMax(1).toLongArray(); // the first maximum on ties, as on the host
      // log_softmax peaks at the argmax: its max is the chosen token's log-probability.
      float[] logprobs = logits.logSoftmax(1).max(new int[] {1}).toFloatArray();
      int[] picks = new int[best.length];
      for (int r = 0; r < picks.length; r++) {
        picks[r] = (int) best[r];
      }
      return new GreedyPicks(picks, logprobs);
    }
  }

  /** Checks and appends one token per row; returns the logits, [B, 1, V], inside the caller's scope. */
  private NDArray forwardStep(int[] tokens) {
    if (!prefilled) {
      throw new IllegalStateException("step before prefill");
    }
    int rows = prompts.length;
    if (tokens.length != rows) {
      throw new IllegalArgumentException("expected " + rows + " tokens, got " + tokens.length);
    }
    if (slots >= cache.capacity()) {
      if (!continuous) {
        throw new IllegalStateException("the batch's cache is full (" + cache.capacity() + " slots)");
      }
      makeRoomAfter();
    }
    boolean rerun = false;
    boolean[] crossing = new boolean[rows];
    int longest = 0;
    for (int r = 0; r < rows; r++) {
      if (prompts[r] == null) {
        throw new IllegalStateException("row " + r + " has no prompt yet: admit one or select the row away");
      }
      if (tokens[r] < 0 || tokens[r] >= vocab) {
        throw new IllegalArgumentException("token id " + tokens[r] + " is outside the vocabulary [0, " + vocab + ")");
      }
      if (length[r] >= lm.maxPositions()) {
        throw new IllegalStateException("row " + r + " is at the context limit of " + lm.maxPositions());
      }
      crossing[r] = rope != null && length[r] == rope.longAfter(); // this token takes the row past N
      rerun |= crossing[r];
      longest = Math.max(longest, length[r] + 1);
    }
    if (continuous) {
      ensureRope(longest);
    }
    long[] ids = new long[rows];
    long[] pos = new long[rows];
    long[] ropeRows = new long[rows];
    for (int r = 0; r < rows; r++) {
      slotIds[r][slots] = tokens[r];
      ids[r] = tokens[r];
      pos[r] = length[r]; // the new token's position: real tokens before it
      length[r]++;
      ropeRows[r] = rope == null ? 0 : rope.row(length[r] - 1, length[r]);
    }
    if (rerun && !continuous) {
      return forwardAll(slots + 1, false);
    }
    int first = Arrays.stream(pad).min().orElse(0); // slots before it hold no row's tokens
    int s = slots + 1;
    NDArray mask = stepMask(first);
    // Slots [first, s) of the batch's mask, a view; none at all when no row is padded there.
    NDArray bias = mask == null ? null : JniUtils.slice((PtNDArray) mask, 3, first, s, 1);
    NDArray logits = run(ids, pos, ropeRows, bias, null, rows, 1, slots, first, cache, false); // [B, 1, V]
    slots = s;
    for (int r = 0; rerun && r < rows; r++) {
      if (crossing[r]) { // the long table from here on: this row's whole sequence again, alone
        NDArray again = prefillRow(r, Arrays.copyOfRange(slotIds[r], pad[r], s), pad[r], 0).reshape(1, 1, vocab);
        JniUtils.indexSet((PtNDArray) logits, (PtNDArray) again, new long[] {r, 0, 0}, new long[] {r + 1, 1, vocab},
            new long[] {1, 1, 1});
      }
    }
    return logits;
  }

  /**
   * The additive mask of decode steps for every cache slot, [rows, 1, 1, capacity]: slots from
   * {@code first} up to a row's first token are masked, everything else is visible. Rebuilt when
   * rows change; steps take a slice. Null when no row is padded beyond {@code first}.
   */
  private NDArray stepMask(int first) {
    if (!maskStale) {
      return stepMask;
    }
    if (stepMask != null) {
      stepMask.close();
    }
    int rows = pad.length;
    int capacity = cache.capacity();
    boolean padded = false;
    float[] bias = new float[rows * capacity];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < pad[r]; j++) {
        bias[r * capacity + j] = MASKED;
      }
      padded |= pad[r] > first;
    }
    stepMask = padded ? manager.create(bias, new Shape(rows, 1, 1, capacity)) : null;
    if (stepMask != null) {
      NDScope.unregister(stepMask); // kept across steps
    }
    maskStale = false;
    return stepMask;
  }

  /** The write slot reached the cache's end: moves every row down (and grows the cache if that frees little). */
  private void makeRoomAfter() {
    int first = Arrays.stream(pad).min().orElse(slots);
    int capacity = cache.capacity();
    int grown = first >= capacity / 4 ? capacity : capacity + Math.max(1, capacity / 2);
    moveSlots(first, -first, grown);
  }

  /** Moves every row other than {@code replaced} up so that {@code len} slots fit before the write slot. */
  private void makeRoomBefore(int len, boolean[] replaced) {
    int first = slots;
    for (int r = 0; r < pad.length; r++) {
      if (!replaced[r] && prompts[r] != null) {
        first = Math.min(first, pad[r]);
      }
    }
    int delta = len - slots;
    int used = slots - first; // slots of rows that stay
    int capacity = cache.capacity();
    int needed = len + 1; // the prompt, then the next step's write slot
    int grown = needed <= capacity ? capacity : Math.max(needed, CausalLm.continuousSlots(len));
    // Rows that stay move up by delta; their slots [first, slots) land at [first + delta, len).
    if (used == 0) {
      moveSlots(slots, delta, grown);
    } else {
      moveSlots(first, delta, grown);
    }
  }

  /** Moves slots [first, slots) of every row by {@code delta} into a cache of {@code newCapacity} slots. */
  private void moveSlots(int first, int delta, int newCapacity) {
    if (delta == 0 && newCapacity == cache.capacity()) {
      return;
    }
    cache.moveSlots(first, slots, delta, newCapacity);
    for (int r = 0; r < pad.length; r++) {
      int[] moved = new int[newCapacity];
      int from = Math.max(first, Math.min(pad[r], slots));
      System.arraycopy(slotIds[r], from, moved, from + delta, slots - from);
      slotIds[r] = moved;
      pad[r] = Math.max(0, pad[r] + delta);
    }
    slots += delta;
    maskStale = true;
  }

  /** Makes sure the rope table covers positions [0, positions) (a continuous batch's rows can outgrow it). */
  private void ensureRope(int positions) {
    if (rope == null || rope.positions() >= positions) {
      return;
    }
    int grown = Math.min(lm.maxPositions(), Math.max(positions, 2 * rope.positions()));
    RopeTable old = rope;
    rope = lm.ropeTable(manager, grown);
    NDScope.unregister(rope.cos(), rope.sin()); // kept across calls
    old.cos().close();
    old.sin().close();
  }

  private NDArray run(long[] ids, long[] pos, long[] ropeRows, NDArray biasArr, NDArray windowBias, int rows, int t,
      int slot, int first, KvCache kv, boolean all) {
    NDManager m = manager;
    Shape shape = new Shape(rows, t);
    NDArray idArr = m.create(ids, shape);
    NDArray posArr = m.create(pos, shape);
    NDArray[] cosSin = null;
    if (rope != null) {
      // Without longrope the table row is the position: no second index array.
      cosSin = rope.at(Arrays.equals(ropeRows, pos) ? posArr : m.create(ropeRows, shape));
    }
    StepInputs in = new StepInputs(slot, first, biasArr, windowBias, cosSin);
    return lm.forward(idArr, posArr, in, kv, all);
  }

  @Override
  public void select(int[] rows) {
    int[][] p = new int[rows.length][];
    int[] newPad = new int[rows.length];
    int[] newLength = new int[rows.length];
    int[][] newIds = new int[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      p[i] = prompts[rows[i]];
      newIds[i] = slotIds[rows[i]].clone();
      newPad[i] = pad[rows[i]];
      newLength[i] = length[rows[i]];
    }
    cache.select(rows);
    prompts = p;
    pad = newPad;
    length = newLength;
    slotIds = newIds;
    maskStale = true;
  }

  @Override
  public int remaining(int row) {
    int context = lm.maxPositions() - length[row];
    return continuous ? context : Math.min(cache.capacity() - slots, context);
  }

  /** Tokens whose keys and values a prefill computed so far (reused prefixes not counted). */
  long prefillTokens() {
    return prefillTokens;
  }

  /** Prompt tokens whose keys and values came from the prefix store. */
  long reusedTokens() {
    return reusedTokens;
  }

  /** Cache slots per row now. */
  int capacity() {
    return cache.capacity();
  }

  private float[][] split(float[] flat, int rows) {
    float[][] out = new float[rows][vocab];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(flat, r * vocab, out[r], 0, vocab);
    }
    return out;
  }

  @Override
  public void close() {
    if (prefixes != null) {
      prefixes.close();
    }
    cache.close();
    manager.close();
  }
}
