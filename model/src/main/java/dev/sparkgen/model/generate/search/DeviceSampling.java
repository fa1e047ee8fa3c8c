package dev.sparkgen.model.generate.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.sparkgen.model.generate.logits.DeviceScores;
import dev.sparkgen.model.generate.logits.LogitsPipeline;
import dev.sparkgen.model.generate.logits.TokenHistory;
import java.util.ArrayList;
import java.util.List;

/**
 * Greedy or sampling picks for a whole batch where its logits are ({@link
 * dev.sparkgen.model.DecodeBatch#step(int[], dev.sparkgen.model.LogitsReader)}): the processors'
 * device forms ({@link LogitsPipeline#apply(List, NDArray)}), then argmax (its first index on ties)
 * or the inverse-CDF draw of {@link InverseCdf} with each row's own next uniform (weights
 * {@code exp(s - max)} and their cumulative sum in double, the token the first index whose
 * cumulative weight exceeds {@code u * total}), and the raw log-probability from a float32
 * log-softmax (as Hugging Face computes it; the host path computes it in double, within 1e-6
 * relative). After top-k or top-p the scores are compact ({@link DeviceScores}): the draw walks a
 * row's few candidates in id order, which is the same sum. Only the chosen ids, their
 * log-probabilities and a flag per row cross to the host.
 *
 * <p>A row is redone on the host ({@link TokenChoice#onHost}, with the uniform already drawn for
 * it) when its processed scores hold NaN or +inf, have no finite entry (so sampling throws
 * {@link AllTokensFilteredException} as the host does), or when {@code u * total} rounds up to the
 * total: the device forms are written for finite scores, and these rows are rare enough to copy.
 * A redone row with nothing to sample comes back as its {@link Picks#failure}, so that its
 * neighbours keep their picks.
 * So a row's token is the host path's; its processed probabilities agree within float rounding.
 *
 * <p>{@link TokenSampling} and {@link ContinuousDecoding} use this for every decode step when
 * every processor has a device form (not for batches with a response format) and plain greedy's
 * on-device argmax does not apply, and for the first token after a prefill or an admission (greedy
 * ones too: with no processors this is argmax and a float32 log-softmax, the batch's own rule).
 */
final class DeviceSampling {
  private final LogitsPipeline pipeline;
  private final TokenSelector selector;

  DeviceSampling(LogitsPipeline pipeline, TokenSelector selector) {
    if (!pipeline.runsOnDevice()) {
      throw new IllegalArgumentException("a processor of " + pipeline.processors() + " runs on the host only");
    }
    this.pipeline = pipeline;
    this.selector = selector;
  }

  /** Picks for {@code rows} from {@code logits} [rows, vocab] (float32, aligned with {@code rows}). */
  Picks pick(NDArray logits, List<DecodeRow> rows) {
    int n = rows.size();
    boolean sampling = selector == TokenSelector.SAMPLING;
    double[] u = new double[n];
    List<TokenHistory> histories = new ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      histories.add(rows.get(r).history);
      u[r] = sampling ? rows.get(r).uniforms.getAsDouble() : 0; // one per row and step, as on the host
    }
    int[] axis = {1};
    NDArray logProbs = logits.logSoftmax(1); // [n, V] raw log-probabilities, float32 as HF's log_softmax
    DeviceScores processed = pipeline.apply(histories, DeviceScores.full(logits)); // full or compact
    NDArray scores = processed.values(); // [n, width]
    long width = scores.getShape().get(1);
    NDArray rowMax = scores.max(axis, true); // NaN if a NaN, +inf if a +inf, -inf if nothing finite
    NDArray redo = rowMax.isNaN().logicalOr(rowMax.isInfinite()).reshape(n);
    NDArray at; // the chosen column, [n]
    if (sampling) {
      NDArray weights = scores.toType(DataType.FLOAT64, false).subi(rowMax.toType(DataType.FLOAT64, false)).exp();
      NDArray cumulative = weights.cumSum(1); // [n, width]; exp(-inf) = 0 as InverseCdf.weights
      NDArray total = cumulative.get(new NDIndex(":, -1:")); // [n, 1]: the same sequential sum the host makes
      NDArray target = logits.getManager().create(u, new Shape(n, 1)).mul(total);
      at = cumulative.lte(target).sum(axis); // the first column whose cumulative weight exceeds the target
      redo = redo.logicalOr(at.eq(width)); // u * total rounded up to the total: the host takes the last possible
      at = at.minimum(width - 1);
    } else {
      at = scores.argMax(1); // the first maximum on ties; compact columns keep the vocabulary's order
    }
    NDArray token = processed.isCompact() ? processed.ids().gather(at.reshape(n, 1), 1).reshape(n) : at;
    NDArray logprob = logProbs.gather(token.reshape(n, 1), 1).reshape(n);
    double[] out = NDArrays.stack(new NDList(token.toType(DataType.FLOAT64, false), logprob.toType(DataType.FLOAT64, false),
        redo.toType(DataType.FLOAT64, false))).toDoubleArray(); // [3, n], one copy to the host
    int[] tokens = new int[n];
    float[] logprobs = new float[n];
    RuntimeException[] failures = null;
    for (int r = 0; r < n; r++) {
      if (out[2 * n + r] != 0) {
        double ur = u[r];
        try {
          TokenChoice c = TokenChoice.onHost(logits.get(r).toFloatArray(), histories.get(r), pipeline, selector, () -> ur);
          tokens[r] = c.token();
          logprobs[r] = c.logprob();
        } catch (AllTokensFilteredException e) { // the row's own fault: its neighbours keep their picks
          failures = failures == null ? new RuntimeException[n] : failures;
          failures[r] = e;
          tokens[r] = -1;
        }
      } else {
        tokens[r] = (int) out[r];
        logprobs[r] = (float) out[n + r];
      }
    }
    return new Picks(tokens, logprobs, failures);
  }
}
