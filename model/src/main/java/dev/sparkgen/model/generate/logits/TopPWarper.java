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
  static final int[] FROM_BOTTOM = {1024, 16384};
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
   * the lowest ones, so the cut is searched among few candidates, taken sorted by {@code topk}:
   * the highest {@link #FROM_TOP} (a small nucleus; the mass below them starts the cumulative
   * sum, and they become the compact form), else the lowest {@link #FROM_BOTTOM} (a nucleus of
   * most of the vocabulary), else all tokens (one sort). A candidate set serves only if no token
   * outside it ties with its edge and the cut falls inside it. Compact scores are all candidates
   * already. The cumulative sum adds the float32 probabilities in double, rounded per position, as
   * on the host. Ties at the cut go by id as in a stable ascending sort ({@code topk} and
   * {@code argsort} are not stable): with {@code n} candidates removed and {@code s} the score of
   * the last one, every candidate below {@code s} is removed, and of those equal to {@code s} the
   * {@code n - #(below s)} lowest ids.
   */
  @Override
  public DeviceScores process(List<TokenHistory> histories, DeviceScores scores) {
    if (minTokensToKeep != 1) {
      throw new UnsupportedOperationException("top_p on the device keeps one token, not " + minTokensToKeep);
    }
    int[] axis = {1};
    NDArray v = scores.values(); // [rows, width]
    long width = v.getShape().get(1);
    NDArray max = v.max(axis, true).toType(DataType.FLOAT64, false); // [rows, 1]
    NDArray total = DeviceScores.weights(v).sum(axis, true); // [rows, 1], as SortedScores sums exp(s - max)
    if (!scores.isCompact()) {
      for (int c : FROM_TOP) {
        if (c < width) {
          Candidates top = Candidates.of(v, c, true);
          if (top.sealed(v, true)) {
            NDArray w = top.weights(max);
            NDArray below = total.sub(w.sum(axis, true)).div(total); // mass below the candidates
            Cut cut = cut(top, w, total, below, true);
            if (cut.removed.min().getLong() >= 1) { // the cut reaches into the candidates
              NDArray kept = top.kept(cut.mask);
              NDArray byId = top.columns.argSort(1, true);
              return DeviceScores.compact(kept.gather(byId, 1), top.columns.gather(byId, 1), scores.vocab());
            }
          }
        }
      }
      for (int c : FROM_BOTTOM) {
        if (c < width) {
          Candidates bottom = Candidates.of(v, c, false);
          if (bottom.sealed(v, false)) {
            Cut cut = cut(bottom, bottom.weights(max), total, null, false);
            if (cut.removed.max().getLong() < c) { // the first kept token is a candidate
              return scores.with(bottom.putBack(v, cut.mask));
            }
          }
        }
      }
    }
    Candidates all = Candidates.all(v);
    return scores.with(all.putBack(v, cut(all, all.weights(max), total, null, true).mask));
  }

  /**
   * Candidate tokens of each row in ascending score order (ties in any order): {@code values}
   * and their {@code columns} in the scores, [rows, c].
   */
  private record Candidates(NDArray values, NDArray columns) {
    /** The highest or lowest {@code c}. */
    static Candidates of(NDArray v, int c, boolean highest) {
      NDList k = v.topK(c, 1, highest, true); // sorted: descending for the highest, ascending for the lowest
      return highest ? new Candidates(k.get(0).flip(1), k.get(1).flip(1)) : new Candidates(k.get(0), k.get(1));
    }

    /** Every column. */
    static Candidates all(NDArray v) {
      NDArray order = v.argSort(1, true);
      return new Candidates(v.gather(order, 1), order);
    }

    /** Whether no token outside ties with the candidates' edge (in any row). */
    boolean sealed(NDArray v, boolean highest) {
      int[] axis = {1};
      long c = values.getShape().get(1);
      NDArray inside = highest ? v.gte(values.get(":, :1")) : v.lte(values.get(":, -1:"));
      return inside.sum(axis).max().getLong() == c;
    }

    /** Softmax weights {@code exp(s - max)} in double, [rows, c]. */
    NDArray weights(NDArray max) {
      return values.toType(DataType.FLOAT64, false).subi(max).exp();
    }

    /** The candidates' scores with -inf where {@code remove} holds. */
    NDArray kept(NDArray remove) {
      return NDArrays.where(remove, values.getManager().full(values.getShape(), Float.NEGATIVE_INFINITY), values);
    }

    /** {@code v} with the candidates' scores replaced by {@link #kept}. */
    NDArray putBack(NDArray v, NDArray remove) {
      long width = v.getShape().get(1);
      NDArray rows = v.getManager().arange(0L, v.getShape().get(0)).mul(width).reshape(-1, 1);
      return v.flatten().put(columns.add(rows).flatten(), kept(remove).flatten()).reshape(v.getShape());
    }
  }

  /** The candidates to remove ([rows, c] boolean) and how many they are per row ([rows, 1] int64). */
  private record Cut(NDArray mask, NDArray removed) {}

  /**
   * The cut among {@code candidates} with softmax weights {@code w} of the row's {@code total};
   * {@code below} the mass of the row below them (null: none); {@code highest}: the candidates
   * hold the row's highest token, which always stays.
   */
  private Cut cut(Candidates candidates, NDArray w, NDArray total, NDArray below, boolean highest) {
    int[] axis = {1};
    NDArray values = candidates.values;
    int c = Math.toIntExact(values.getShape().get(1));
    NDArray prob = w.div(total).toType(DataType.FLOAT32, false); // as SortedScores
    NDArray cumulative = prob.toType(DataType.FLOAT64, false).cumSum(1);
    if (below != null) {
      cumulative = cumulative.add(below);
    }
    NDArray remove = cumulative.toType(DataType.FLOAT32, false).lte(removeAtOrBelow); // a prefix of each row
    if (highest) {
      boolean[] last = new boolean[c];
      last[c - 1] = true;
      remove = remove.logicalAnd(values.getManager().create(last).logicalNot());
    }
    NDArray removed = remove.sum(axis, true); // [rows, 1]
    NDArray at = values.gather(removed.sub(1).maximum(0), 1); // the last removed score, [rows, 1]
    NDArray tied = values.eq(at).logicalAnd(removed.gt(0));
    if (tied.sum(axis).max().getLong() > 1) {
      // Equal scores in arbitrary order: remove the lowest ids among them instead of the first ones.
      NDArray lower = values.lt(at).logicalAnd(removed.gt(0));
      NDArray tiedRemoved = removed.sub(lower.sum(axis, true)); // [rows, 1]
      NDArray key = candidates.columns.add(tied.logicalNot().toType(DataType.INT64, false).mul(Long.MAX_VALUE / 2));
      NDArray rank = key.argSort(1, true).argSort(1, true); // each candidate's place in id order, tied ones first
      remove = lower.logicalOr(tied.logicalAnd(rank.lt(tiedRemoved)));
    }
    return new Cut(remove.logicalOr(w.eq(0.0)), removed); // the host drops zero-weight tokens too
  }
}
