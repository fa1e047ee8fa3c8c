package dev.sparkgen.model.generate.logits;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.List;

/**
 * Nucleus filtering as Hugging Face's TopPLogitsWarper does it: sort ascending, softmax (float32),
 * cumulative sum; remove tokens whose cumulative mass is {@code <= 1 - top_p} (a token exactly on
 * the boundary is removed), always keeping the {@code minTokensToKeep} highest. The cumulative
 * sum adds the float32 probabilities in double and rounds each position to float32, as
 * {@code torch.cumsum} does on the CPU (its accumulator for float32 is double: the cumulative sum
 * of 1 followed by 2000 times 1e-8 ends at 1.00002 there, at 1.0 in float32), and compares it with
 * the float32 {@code 1 - top_p}.
 */
public final class TopPWarper implements LogitsProcessor {
  /** Candidates the device form sorts first, then, if a row needs more, {@link #MORE}; then the whole row. */
  static final int FIRST = 64;
  static final int MORE = 1024;
  private final float removeAtOrBelow;
  private final int minTokensToKeep;

  /** {@code topP} in (0, 1]. */
  public TopPWarper(double topP, int minTokensToKeep) {
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    }
    if (minTokensToKeep < 1) {
      throw new IllegalArgumentException("min_tokens_to_keep must be >= 1, got " + minTokensToKeep);
    }
    this.removeAtOrBelow = (float) (1 - topP); // torch compares the float32 cumsum with a float32 scalar
    this.minTokensToKeep = minTokensToKeep;
  }

  @Override
  public void process(TokenHistory history, float[] scores) {
    // Tokens below (1 - top_p) / V cannot together exceed 1 - top_p, and they come first in the
    // ascending order: they are removed without being sorted, and only the rest is sorted.
    SortedScores sorted = SortedScores.of(scores, removeAtOrBelow / scores.length);
    if (sorted.index.length < minTokensToKeep) {
      sorted = SortedScores.of(scores); // too few above the floor: the kept minimum may lie below it
    }
    boolean[] sortedToken = new boolean[scores.length];
    for (int id : sorted.index) {
      sortedToken[id] = true;
    }
    for (int i = 0; i < scores.length; i++) {
      if (!sortedToken[i]) {
        scores[i] = Float.NEGATIVE_INFINITY;
      }
    }
    int n = sorted.index.length;
    double cumulative = sorted.belowMass;
    for (int j = 0; j < n - minTokensToKeep; j++) { // the last minTokensToKeep (highest) always stay
      cumulative += sorted.prob[j];
      if ((float) cumulative <= removeAtOrBelow) {
        scores[sorted.index[j]] = Float.NEGATIVE_INFINITY;
      } else {
        break; // the cumulative sum only grows
      }
    }
  }

  @Override
  public boolean runsOnDevice() {
    return minTokensToKeep == 1;
  }

  /**
   * The same rule without sorting the whole vocabulary: the removed tokens are the lowest ones, so
   * only the highest {@code c} tokens ({@link #FIRST}, else {@link #MORE}, else all) are sorted,
   * and the mass of the rest starts their cumulative sum (the rest must all be removed, i.e. the
   * lowest candidate too, or the next size is tried). The cumulative sum is the float32
   * probabilities added in double, rounded per position, as on the host. Ties at the cut are
   * resolved by index as a stable ascending sort would ({@code argsort} is not stable): with
   * {@code cut} tokens removed and {@code s} the score of the last one, every token below
   * {@code s} goes, and of the tokens equal to {@code s} the {@code cut - #(below s)} lowest ids.
   */
  @Override
  public NDArray process(List<TokenHistory> histories, NDArray scores) {
    if (minTokensToKeep != 1) {
      throw new UnsupportedOperationException("top_p on the device keeps one token, not " + minTokensToKeep);
    }
    int vocab = DeviceScores.vocab(scores);
    NDArray weights = DeviceScores.weights(scores); // [rows, V] float64
    NDArray prob = DeviceScores.probabilities(weights); // [rows, V] float32
    NDArray total = prob.toType(DataType.FLOAT64, false).sum(new int[] {1}, true); // [rows, 1]
    NDArray remove = null;
    for (int c = Math.min(FIRST, vocab); remove == null; c = c < MORE ? Math.min(MORE, vocab) : vocab) {
      remove = removed(scores, prob, total, c, vocab);
    }
    return DeviceScores.remove(scores, remove.logicalOr(weights.eq(0.0)));
  }

  /** The tokens to remove, [rows, V] boolean, from the top {@code c} candidates; null if some row needs more. */
  private NDArray removed(NDArray scores, NDArray prob, NDArray total, int c, int vocab) {
    NDList top = scores.topK(c, 1, true, true); // values and ids, [rows, c], descending
    NDArray ascending = top.get(0).flip(1);
    NDArray p = prob.gather(top.get(1), 1).flip(1).toType(DataType.FLOAT64, false); // [rows, c]
    NDArray rest = total.sub(p.sum(new int[] {1}, true)); // mass below the candidates, [rows, 1]
    NDArray cumulative = p.cumSum(1).add(rest).toType(DataType.FLOAT32, false);
    NDArray cut = cumulative.lte(removeAtOrBelow); // [rows, c], a prefix of each row
    boolean[] last = new boolean[c];
    last[c - 1] = true; // the highest token always stays
    cut = cut.logicalAnd(scores.getManager().create(last).logicalNot());
    NDArray removedCandidates = cut.sum(new int[] {1}, true); // [rows, 1] int64
    if (c < vocab && removedCandidates.min().getLong() < 1) {
      return null; // the cut lies below the candidates in some row
    }
    NDArray removedAll = removedCandidates.add(vocab - c);
    NDArray at = ascending.gather(removedCandidates.sub(1).maximum(0), 1); // score of the last removed token, [rows, 1]
    NDArray below = scores.lt(at);
    NDArray tied = scores.eq(at);
    NDArray tiedRemoved = removedAll.sub(below.sum(new int[] {1}, true)).toType(DataType.FLOAT32, false); // [rows, 1]
    NDArray tieRank = tied.toType(DataType.FLOAT32, false).cumSum(1); // 1, 2, ... over the tied ids in id order
    NDArray remove = below.logicalOr(tied.logicalAnd(tieRank.lte(tiedRemoved)));
    return remove.logicalAnd(removedCandidates.gt(0)); // a row that removes nothing
  }
}
