package dev.sparkgen.model.generate.logits;

import java.util.List;

/** Divides the scores by the temperature (sampling only). */
public final class TemperatureWarper implements LogitsProcessor {
  private final float temperature;

  /** {@code temperature} > 0. */
  public TemperatureWarper(double temperature) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be a positive number, got " + temperature);
    }
    this.temperature = (float) temperature;
  }

  @Override
  public void process(TokenHistory history, float[] scores) {
    for (int i = 0; i < scores.length; i++) {
      scores[i] /= temperature;
    }
  }

  @Override
  public boolean runsOnDevice() {
    return true;
  }

  @Override
  public DeviceScores process(List<TokenHistory> histories, DeviceScores scores) {
    return scores.with(scores.values().div(temperature)); // float32 / float32, as on the host; -inf stays
  }
}
