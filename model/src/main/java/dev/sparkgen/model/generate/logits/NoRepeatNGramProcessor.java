package dev.sparkgen.model.generate.logits;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * Hugging Face's no_repeat_ngram_size: bans every token that would complete an n-gram already
 * present in the row (prompt included), i.e. one whose first n-1 tokens equal the row's last n-1.
 */
public final class NoRepeatNGramProcessor implements LogitsProcessor {
  private final int n;

  /** {@code n} >= 1. */
  public NoRepeatNGramProcessor(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("no_repeat_ngram_size must be >= 1, got " + n);
    }
    this.n = n;
  }

  @Override
  public void process(TokenHistory h, float[] scores) {
    banned(h, id -> {
      if (id < scores.length) {
        scores[id] = Float.NEGATIVE_INFINITY;
      }
    });
  }

  @Override
  public boolean runsOnDevice() {
    return true;
  }

  /** The banned ids are found on the host (as HF does, in Python), the bans made where the scores are. */
  @Override
  public DeviceScores process(List<TokenHistory> histories, DeviceScores scores) {
    int vocab = scores.vocab();
    DeviceScores.Positions banned = new DeviceScores.Positions();
    for (int r = 0; r < histories.size(); r++) {
      int row = r;
      banned(histories.get(r), id -> {
        if (id < vocab) {
          banned.add(row, vocab, id);
        }
      });
    }
    return DeviceScores.full(DeviceScores.ban(scores.toFull(), banned));
  }

  /** Hands each banned id (repeats possible) of the row to {@code out}. */
  private void banned(TokenHistory h, IntConsumer out) {
    int len = h.length();
    if (len + 1 < n) {
      return; // no complete n-gram can be formed yet
    }
    int tail = len - (n - 1); // start of the row's last n-1 tokens
    // Every earlier n-gram start s (s + n <= len) whose first n-1 tokens match the tail bans its last token.
    for (int s = 0; s + n <= len; s++) {
      boolean match = true;
      for (int j = 0; j < n - 1 && match; j++) {
        match = h.get(s + j) == h.get(tail + j);
      }
      if (match) {
        out.accept(h.get(s + n - 1));
      }
    }
  }
}
