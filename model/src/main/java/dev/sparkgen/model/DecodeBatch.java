package dev.sparkgen.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Rows decoding together against one KV cache: prefill once, then one token per row per step.
 * Row results never depend on which other rows share the batch. A batch opened by {@link
 * BatchModel#openContinuous} starts with vacant rows and takes prompts as rows free up ({@link
 * #admit}, several in one call where {@link #admitsAtOnce()} allows), also into rows whose sequence
 * has finished, while the other rows go on decoding.
 */
public interface DecodeBatch extends AutoCloseable {

  /** Current number of rows. */
  int rows();

  /** Runs the prompts and returns each row's logits at its last prompt position: [rows][vocab]. */
  float[][] prefill();

  /**
   * Like {@link #prefill()}, but hands the logits at each row's last prompt position to {@code
   * reader} as one [rows, vocab] array on the model's device and returns what it returns, so the
   * first token can be chosen where the logits are. This default copies {@link #prefill()}'s host
   * logits into a libtorch array; a batch that computes them with libtorch hands over its own.
   */
  default <T> T prefill(LogitsReader<T> reader) {
    return readOnDevice(prefill(), reader);
  }

  /** Appends one token per row (length {@link #rows()}) and returns the next logits: [rows][vocab]. */
  float[][] step(int[] tokens);

  /**
   * Like {@link #step}, but hands the next logits to {@code reader} as one [rows, vocab] array on
   * the model's device and returns what it returns; what the reader does not copy out never
   * reaches the host (sampling on the device). This default copies {@link #step}'s host logits
   * into a libtorch array; a batch that computes them with libtorch hands over its own.
   */
  default <T> T step(int[] tokens, LogitsReader<T> reader) {
    return readOnDevice(step(tokens), reader);
  }

  /** Hands host logits, [rows][vocab], to {@code reader} as one libtorch array (the defaults above). */
  private static <T> T readOnDevice(float[][] logits, LogitsReader<T> reader) {
    int vocab = logits.length == 0 ? 0 : logits[0].length;
    float[] flat = new float[logits.length * vocab];
    for (int r = 0; r < logits.length; r++) {
      System.arraycopy(logits[r], 0, flat, r * vocab, vocab);
    }
    try (NDManager manager = NDManager.newBaseManager()) {
      return reader.read(manager.create(flat, new Shape(logits.length, vocab)));
    }
  }

  /**
   * Whether {@link #stepGreedy} is available: the batch can pick greedy tokens without handing
   * the [rows, vocab] logits to the caller.
   */
  default boolean picksGreedyItself() {
    return false;
  }

  /**
   * Like {@link #step}, but returns only each row's argmax token and its log-probability; for plain
   * greedy decoding (no logits processors), where copying [rows, vocab] logits out every step is
   * wasted work. Only when {@link #picksGreedyItself()}.
   */
  default GreedyPicks stepGreedy(int[] tokens) {
    throw new UnsupportedOperationException("this batch returns full logits only; use step");
  }

  /**
   * Keeps only the given rows, in the given order; an index may repeat (beam search forks a row).
   * Finished rows are dropped this way so they stop costing compute.
   */
  void select(int[] rows);

  /**
   * Admits a prompt into a continuous batch: prefills it once and places it in batch row {@code
   * rows[0]} and copies of it in the other given rows (its further samples), each a vacant row or
   * one whose sequence has finished (it is replaced). Every row must hold a sequence before the
   * next {@link #step}: admit into each vacant row or {@link #select} it away. The first {@code
   * sharedPrefix} tokens (0 for none) are a prefix that other prompts of this batch share: their
   * keys and values are computed once and reused for the prompts admitted after it. Other rows
   * are unaffected.
   *
   * @return the logits at the prompt's last token, [vocab]
   * @throws IllegalArgumentException for an empty prompt, one longer than the context, ids outside
   *     the vocabulary, or rows that are not distinct rows of this batch
   * @throws UnsupportedOperationException on a static batch
   */
  default float[] admit(int[] rows, int[] prompt, int sharedPrefix) {
    throw new UnsupportedOperationException("this batch takes no rows after it opens");
  }

  /**
   * How many prompts one {@link #admit(List)} call takes at most (1: one prompt per call, the
   * default). A batch that prefills several prompts in one forward pass says how many its memory
   * estimate allows.
   */
  default int admitsAtOnce() {
    return 1;
  }

  /**
   * Admits several prompts at once, as {@link #admit(int[], int[], int)} admits one: each prompt
   * takes its own rows with its own positions and mask, and a batch that can prefills them together
   * (left-padded to the longest, so the weights stream once for all). On an exception the given
   * rows are to be taken as free again (admit into them or {@link #select} them away): a batch that
   * checks every prompt first leaves them as they were. This default admits them one after another.
   *
   * @param prompts at most {@link #admitsAtOnce()} prompts whose rows are all distinct
   * @return per prompt, in the order given, the logits at its last token: [prompts][vocab]
   * @throws IllegalArgumentException as {@link #admit(int[], int[], int)}, for any of the prompts
   *     (the caller may admit the others without it)
   */
  default float[][] admit(List<Admission> prompts) {
    float[][] out = new float[prompts.size()][];
    for (int i = 0; i < out.length; i++) {
      Admission a = prompts.get(i);
      out[i] = admit(a.rows(), a.prompt(), a.sharedPrefix());
    }
    return out;
  }

  /**
   * Like {@link #admit(List)}, but hands the logits at each prompt's last token to {@code reader}
   * as one [prompts, vocab] array on the model's device (row i for prompt i) and returns what it
   * returns. This default copies {@link #admit(List)}'s host logits.
   */
  default <T> T admit(List<Admission> prompts, LogitsReader<T> reader) {
    return readOnDevice(admit(prompts), reader);
  }

  /**
   * How many more tokens row {@code row} can take: limited by the model's context (its prompt plus
   * generated tokens may not exceed {@link BatchModel#maxPositions()}) and by a static batch's cache
   * (a continuous batch moves or grows its cache instead).
   */
  int remaining(int row);

  @Override
  void close();
}
