package dev.sparkgen.model.generate.logits;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
  /** Candidate counts the device form tries from the top (a small nucleus). */
  static final int[] FROM_TOP = {64, 1024};
  /** Candidate counts it tries from the bottom (a nucleus of most of the vocabulary). */
  static final int[] FROM_BOTTOM = {1024, 8192};
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
   * The same rule without sorting the vocabulary where it can be helped. The removed tokens are
   * the lowest ones, so the cut is searched among few candidates: the highest {@link #FROM_TOP}
   * (when the nucleus is small; the mass below them starts the cumulative sum, and they become the
   * compact form), else the lowest {@link #FROM_BOTTOM} (when the nucleus is most of the
   * vocabulary), else all tokens. A candidate set serves only if no token outside it ties with its
   * edge and the cut falls inside it. Compact scores are all candidates already. The cumulative
   * sum adds the float32 probabilities in double, rounded per position, as on the host. Ties at
   * the cut go by id as in a stable ascending sort ({@code argsort} is not stable): with {@code n}
   * candidates removed and {@code s} the score of the last one, every candidate below {@code s} is
   * removed, and of those equal to {@code s} the {@code n - #(below s)} lowest ids.
   */
  @Override
  public DeviceScores process(List<TokenHistory> histories, DeviceScores scores) {
    if (minTokensToKeep != 1) {
      throw new UnsupportedOperationException("top_p on the device keeps one token, not " + minTokensToKeep);
    }
    int[] axis = {1};
    NDArray v = scores.values(); // [rows, width]
    long width = v.getShape().get(1);
    NDArray weights = DeviceScores.weights(v); // [rows, width] float64
    NDArray total = weights.sum(axis, true); // [rows, 1]
    if (!scores.isCompact()) {
      for (int c : FROM_TOP) {
        if (c < width) {
          Candidates top = Candidates.of(v, c, true);
          if (top.sealed(v, true)) {
            NDArray w = weights.gather(top.ids, 1);
            NDArray below = total.sub(w.sum(axis, true)).div(total); // mass below the candidates
            Cut cut = cut(top.values, w, total, below, true);
            if (cut.removed.min().getLong() >= 1) { // the cut reaches into the candidates
              return DeviceScores.compact(top.values, top.ids, scores.vocab()).remove(cut.mask);
            }
          }
        }
      }
      for (int c : FROM_BOTTOM) {
        if (c < width) {
          Candidates bottom = Candidates.of(v, c, false);
          if (bottom.sealed(v, false)) {
            Cut cut = cut(bottom.values, weights.gather(bottom.ids, 1), total, null, false);
            if (cut.removed.max().getLong() < c) { // the first kept token is a candidate
              NDArray kept = NDArrays.where(cut.mask, v.getManager().full(bottom.values.getShape(),
                  Float.NEGATIVE_INFINITY), bottom.values);
              NDArray rows = v.getManager().arange(0L, v.getShape().get(0)).mul(width).reshape(-1, 1);
              NDArray at = bottom.ids.add(rows).flatten();
              return DeviceScores.full(v.flatten().put(at, kept.flatten()).reshape(v.getShape()));
            }
          }
        }
      }
    }
    return scores.remove(cut(v, weights, total, null, true).mask); // every token a candidate
  }

  /** The highest or lowest {@code c} tokens of each row, in id order: values and ids, [rows, c]. */
  private record Candidates(NDArray values, NDArray ids) {
    static Candidates of(NDArray v, int c, boolean highest) {
      NDList k = v.topK(c, 1, highest, false);
      NDArray order = k.get(1).argSort(1, true);
      return new Candidates(k.get(0).gather(order, 1), k.get(1).gather(order, 1));
    }

    /** Whether no token outside ties with the candidates' edge (in any row). */
    boolean sealed(NDArray v, boolean highest) {
      int[] axis = {1};
      long c = values.getShape().get(1);
      NDArray inside = highest ? v.gte(values.min(axis, true)) : v.lte(values.max(axis, true));
      return inside.sum(axis).max().getLong() == c;
    }
  }

  /** The candidates to remove ([rows, c] boolean) and how many they are per row ([rows, 1] int64). */
  private record Cut(NDArray mask, NDArray removed) {}

  /**
   * The cut among candidates {@code values} ([rows, c], id order) with softmax weights {@code w}
   * of the row's {@code total}; {@code below} the mass of the row below them (null: none);
   * {@code highest}: the candidates hold the row's highest token, which always stays.
   */
  private Cut cut(NDArray values, NDArray w, NDArray total, NDArray below, boolean highest) {
    int[] axis = {1};
    int c = Math.toIntExact(values.getShape().get(1));
    NDArray prob = w.div(total).toType(DataType.FLOAT32, false); // as SortedScores
    NDArray ascending = values.argSort(1, true); // ties in any order
    NDArray cumulative = prob.gather(ascending, 1).toType(DataType.FLOAT64, false).cumSum(1);
    if (below != null) {
      cumulative = cumulative.add(below);
    }
    NDArray removeAscending = cumulative.toType(DataType.FLOAT32, false).lte(removeAtOrBelow); // a prefix of each row
    if (highest) {
      boolean[] last = new boolean[c];
      last[c - 1] = true;
      removeAscending = removeAscending.logicalAnd(values.getManager().create(last).logicalNot());
    }
    NDArray removed = removeAscending.sum(axis, true); // [rows, 1]
    NDArray at = values.gather(ascending, 1).gather(removed.sub(1).maximum(0), 1); // the last removed score
    NDArray lower = values.lt(at);
    NDArray tied = values.eq(at);
    NDArray tiedRemoved = removed.sub(lower.sum(axis, true)).toType(DataType.FLOAT32, false);
    NDArray rank = tied.toType(DataType.FLOAT32, false).cumSum(1); // 1, 2, ... over the tied ids in id order
    NDArray mask = lower.logicalOr(tied.logicalAnd(rank.lte(tiedRemoved))).logicalAnd(removed.gt(0));
    return new Cut(mask.logicalOr(w.eq(0.0)), removed); // the host drops zero-weight tokens too
  }
}
