package dev.sparkgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.sparkgen.model.cache.KvCache;
import dev.sparkgen.model.nn.RopeTable;
import dev.sparkgen.model.nn.StepInputs;
import java.util.List;

/**
 * {@link CausalLm}'s decode batch. Prompts are left-padded to a common length so that every row
 * writes the same cache slot each step; Hugging Face positions ({@code cumsum(mask) - 1}) and an
 * additive mask make the padding invisible, so a row's logits do not depend on its neighbours.
 * Sliding windows count cache slots (for a left-padded row, the same as positions). Each call runs
 * in an {@link NDScope}, so native memory does not grow with the number of steps.
 *
 * <p>LongRoPE (Phi-3) evaluates a sequence of L tokens entirely with its short table while
 * {@code L <= N} and entirely with its long table once {@code L > N}: Hugging Face discards the
 * cache and re-runs the whole sequence at the step that crosses N. Here the table is chosen per
 * row by that row's own length (HF lets the longest row of a batch decide for all, so a row's
 * result would depend on its batch), and the step at which any row crosses N re-runs the batch's
 * whole sequence, each row with its own table.
 */
final class LmBatch implements DecodeBatch {
  private static final float MASKED = -Float.MAX_VALUE; // HF fills with the dtype's most negative value

  private final CausalLm lm;
  private final NDManager manager;
  private final KvCache cache;
  private final int vocab;
  private int[][] prompts;
  private int[] pad; // per row: slots of left padding
  private int[] length; // per row: real tokens so far (prompt + generated)
  private int slots; // slots filled so far, the same for every row
  private boolean prefilled;
  private NDArray stepMask; // [rows, 1, 1, capacity], or null when no row is padded
  private int[][] slotIds; // per row, the token in each cache slot (0 for padding): what a re-run reads
  private final RopeTable rope; // cos/sin rows for this batch's positions, or null (GPT-2)
  private final int window; // the sliding window of the layers that have one, or 0

  LmBatch(CausalLm lm, List<int[]> prompts, int maxNewTokens) {
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one prompt");
    }
    this.lm = lm;
    this.vocab = lm.vocabSize();
    this.prompts = prompts.toArray(new int[0][]);
    int rows = this.prompts.length;
    int longest = 0;
    int shortest = Integer.MAX_VALUE;
    for (int[] p : this.prompts) {
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
    this.stepMask = buildStepMask();
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

  /** Prefill returning logits at every position of row 0: [T][V] (single-row batches). */
  float[][] prefillAll() {
    try (NDScope ignored = new NDScope()) {
      return split(forwardPrompts(true).toFloatArray(), prompts[0].length);
    }
  }

  private NDArray forwardPrompts(boolean allPositions) {
    if (prefilled) {
      throw new IllegalStateException("prefill already ran");
    }
    prefilled = true;
    NDArray logits = forwardAll(pad[0] + prompts[0].length, allPositions);
    return allPositions ? logits.get("0") : logits;
  }

  /**
   * Runs slots [0, t) of every row from scratch (prefill, or a longrope re-run): ids from
   * {@link #slotIds}, each row's sequence is {@code length[r]} tokens long.
   */
  private NDArray forwardAll(int t, boolean allPositions) {
    int rows = prompts.length;
    long[] ids = new long[rows * t];
    long[] pos = new long[rows * t];
    long[] ropeRows = new long[rows * t];
    float[] bias = new float[rows * t * t];
    float[] windowBias = window > 0 ? new float[rows * t * t] : null;
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < t; i++) {
        boolean real = i >= pad[r];
        ids[r * t + i] = slotIds[r][i];
        pos[r * t + i] = real ? i - pad[r] : 1; // HF: cumsum(mask) - 1, padding set to 1
        ropeRows[r * t + i] = rope == null ? 0 : rope.row((int) pos[r * t + i], length[r]);
        for (int j = 0; j < t; j++) {
          boolean visible = j <= i && j >= pad[r];
          bias[(r * t + i) * t + j] = visible ? 0f : MASKED;
          if (windowBias != null) {
            windowBias[(r * t + i) * t + j] = visible && i - j < window ? 0f : MASKED;
          }
        }
      }
    }
    slots = t;
    Shape square = new Shape(rows, 1, t, t);
    return run(ids, pos, ropeRows, manager.create(bias, square),
        windowBias == null ? null : manager.create(windowBias, square), rows, t, 0, allPositions);
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
      throw new IllegalStateException("the batch's cache is full (" + cache.capacity() + " slots)");
    }
    boolean rerun = false;
    for (int r = 0; r < rows; r++) {
      if (tokens[r] < 0 || tokens[r] >= vocab) {
        throw new IllegalArgumentException("token id " + tokens[r] + " is outside the vocabulary [0, " + vocab + ")");
      }
      if (length[r] >= lm.maxPositions()) {
        throw new IllegalStateException("row " + r + " is at the context limit of " + lm.maxPositions());
      }
      rerun |= rope != null && length[r] == rope.longAfter(); // this token takes the row past N
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
    if (rerun) {
      return forwardAll(slots + 1, false);
    }
    int s = slots + 1;
    // Slots [0, s) of the batch's mask, a view; none at all when no row is padded.
    NDArray bias = stepMask == null ? null : stepMask.get(new NDIndex(":, :, :, :{}", s));
    NDArray logits = run(ids, pos, ropeRows, bias, null, rows, 1, slots, false);
    slots = s;
    return logits;
  }

  /**
   * The additive mask of decode steps for every cache slot, [rows, 1, 1, capacity]: a row's
   * padding slots are masked, everything else is visible. Built once per batch (and on select);
   * steps take a slice. Null when no row is padded: then nothing needs masking.
   */
  private NDArray buildStepMask() {
    int rows = pad.length;
    int capacity = cache.capacity();
    boolean padded = false;
    float[] bias = new float[rows * capacity];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < pad[r]; j++) {
        bias[r * capacity + j] = MASKED;
        padded = true;
      }
    }
    return padded ? manager.create(bias, new Shape(rows, 1, 1, capacity)) : null;
  }

  private NDArray run(long[] ids, long[] pos, long[] ropeRows, NDArray biasArr, NDArray windowBias, int rows, int t,
      int slot, boolean all) {
    NDManager m = manager;
    Shape shape = new Shape(rows, t);
    NDArray idArr = m.create(ids, shape);
    NDArray posArr = m.create(pos, shape);
    NDArray[] cosSin = null;
    if (rope != null) {
      // Without longrope the table row is the position: no second index array.
      cosSin = rope.at(java.util.Arrays.equals(ropeRows, pos) ? posArr : m.create(ropeRows, shape));
    }
    StepInputs in = new StepInputs(slot, biasArr, windowBias, cosSin);
    return lm.forward(idArr, posArr, in, cache, all);
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
    if (stepMask != null) {
      stepMask.close();
    }
    stepMask = buildStepMask();
  }

  @Override
  public int remaining(int row) {
    return Math.min(cache.capacity() - slots, lm.maxPositions() - length[row]);
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
    cache.close();
    manager.close();
  }
}
