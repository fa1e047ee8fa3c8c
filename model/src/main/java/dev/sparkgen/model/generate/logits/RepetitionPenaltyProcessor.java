package dev.sparkgen.model.generate.logits;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import java.util.BitSet;
import java.util.List;

/**
 * Hugging Face's repetition penalty: every distinct id already in the row has its score divided
 * by the penalty when positive and multiplied by it when negative (once per id).
 */
public final class RepetitionPenaltyProcessor implements LogitsProcessor {
  private final float penalty;

  /** {@code penalty} > 0; 1 changes nothing. */
  public RepetitionPenaltyProcessor(double penalty) {
    if (!(penalty > 0) || Double.isInfinite(penalty)) {
      throw new IllegalArgumentException("repetition_penalty must be a positive number, got " + penalty);
    }
    this.penalty = (float) penalty;
  }

  @Override
  public void process(TokenHistory history, float[] scores) {
    BitSet seen = history.distinct();
    for (int id = seen.nextSetBit(0); id >= 0 && id < scores.length; id = seen.nextSetBit(id + 1)) {
      float s = scores[id];
      scores[id] = s < 0 ? s * penalty : s / penalty;
    }
  }

  @Override
  public boolean runsOnDevice() {
    return true;
  }

  /** HF's form: gather each row's seen ids, penalise them, scatter them back. */
  @Override
  public DeviceScores process(List<TokenHistory> histories, DeviceScores in) {
    NDArray scores = in.toFull();
    int vocab = in.vocab();
    DeviceScores.Positions seen = new DeviceScores.Positions();
    for (int r = 0; r < histories.size(); r++) {
      BitSet ids = histories.get(r).distinct();
      for (int id = ids.nextSetBit(0); id >= 0 && id < vocab; id = ids.nextSetBit(id + 1)) {
        seen.add(r, vocab, id);
      }
    }
    NDArray flat = scores.flatten();
    NDArray at = seen.array(scores.getManager());
    if (at == null) {
      return in;
    }
    NDArray s = flat.take(at); // [seen]
    return DeviceScores.full(flat.put(at, NDArrays.where(s.lt(0f), s.mul(penalty), s.div(penalty))).reshape(scores.getShape()));
  }
}
