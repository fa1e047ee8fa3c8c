package dev.sparkgen.model.train;

/** Linear warm-up to {@code peak}, then cosine decay to {@code floor} at {@code totalSteps}. */
public record LrSchedule(double peak, double floor, int warmupSteps, int totalSteps) {
  /** The learning rate at step {@code step} (0-based). */
  public double at(int step) {
    if (step < warmupSteps) {
      return peak * (step + 1) / warmupSteps;
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
  }
}
