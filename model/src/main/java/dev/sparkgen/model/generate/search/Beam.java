package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.generate.logits.TokenHistory;
import java.util.Arrays;

/** One running beam: its tokens, its (processed) score sum and its raw per-token log-probabilities. */
final class Beam {
  final TokenHistory history;
  final double score; // running sum of processed log-probs (-1e9 added when it hit a stop)
  final float[] rawLogprobs; // raw log_softmax of each generated token
  int row; // its row in the decode batch
  final int parentRow; // the row it was forked from (-1 for the initial beams)

  Beam(TokenHistory history, double score, float[] rawLogprobs, int row, int parentRow) {
    this.history = history;
    this.score = score;
    this.rawLogprobs = rawLogprobs;
    this.row = row;
    this.parentRow = parentRow;
  }

  /** This beam extended by {@code token}, to be placed on a row forked from this beam's row. */
  Beam extend(int token, double newScore, float rawLogprob) {
    TokenHistory h = history.copy();
    h.append(token);
    float[] raw = Arrays.copyOf(rawLogprobs, rawLogprobs.length + 1);
    raw[rawLogprobs.length] = rawLogprob;
    return new Beam(h, newScore, raw, -1, row);
  }

  int lastToken() {
    return history.get(history.length() - 1);
  }
}
