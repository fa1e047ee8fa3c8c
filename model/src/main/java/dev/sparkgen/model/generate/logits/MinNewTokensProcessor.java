package dev.sparkgen.model.generate.logits;

import java.util.List;

/** Bans every eos id (-inf) until the row has generated {@code min_new_tokens} tokens. */
public final class MinNewTokensProcessor implements LogitsProcessor {
  private final int minNewTokens;
  private final int[] eos;

  /** {@code minNewTokens} >= 0; {@code eos} the ids to ban. */
  public MinNewTokensProcessor(int minNewTokens, List<Integer> eos) {
    if (minNewTokens < 0) {
      throw new IllegalArgumentException("min_new_tokens must be >= 0, got " + minNewTokens);
    }
    this.minNewTokens = minNewTokens;
    this.eos = eos.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public void process(TokenHistory history, float[] scores) {
    if (history.generated() < minNewTokens) {
      for (int id : eos) {
        if (id < scores.length) {
          scores[id] = Float.NEGATIVE_INFINITY;
        }
      }
    }
  }

  @Override
  public boolean runsOnDevice() {
    return true;
  }

  @Override
  public DeviceScores process(List<TokenHistory> histories, DeviceScores scores) {
    int vocab = scores.vocab();
    DeviceScores.Positions banned = new DeviceScores.Positions();
    for (int r = 0; r < histories.size(); r++) {
      if (histories.get(r).generated() < minNewTokens) {
        for (int id : eos) {
          if (id < vocab) {
            banned.add(r, vocab, id);
          }
        }
      }
    }
    return DeviceScores.full(DeviceScores.ban(scores.toFull(), banned));
  }
}
