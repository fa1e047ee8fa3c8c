package dev.sparkgen.model.nn;

import dev.sparkgen.model.config.RopeParameters;
import java.util.List;

/**
 * The inverse frequencies and attention factor of one RoPE type, computed as Hugging Face's
 * {@code modeling_rope_utils} does (float32 where it uses tensors, double where it uses Python
 * floats), for the first {@code rotaryDim} dims of each head.
 *
 * @param rotaryDim dims that rotate, {@code int(head_dim * partial_rotary_factor)}
 * @param invFreq [rotaryDim / 2] inverse frequencies (longrope: the short table)
 * @param invFreqLong [rotaryDim / 2] longrope's long table, else null
 * @param longAfter longrope: the long table applies to a forward call whose sequence is longer than
 *     this (N = {@code original_max_position_embeddings}); {@link Integer#MAX_VALUE} otherwise
 * @param attentionFactor multiplies cos and sin (yarn, longrope; 1 otherwise)
 */
public record RopeFrequencies(int rotaryDim, float[] invFreq, float[] invFreqLong, int longAfter, float attentionFactor) {

  /** The frequencies of {@code p} for heads of {@code headDim}; {@code maxPositions} is {@code max_position_embeddings}. */
  public static RopeFrequencies of(RopeParameters p, int headDim, int maxPositions) {
    int dim = p.rotaryDim(headDim);
    int half = dim / 2;
    double theta = p.ropeTheta();
    // base: 1 / theta^(2i/d), the exponent and the power in float32 as torch computes them
    float[] base = new float[half];
    float[] powers = new float[half];
    for (int i = 0; i < half; i++) {
      powers[i] = (float) Math.pow(theta, (float) (2 * i) / dim);
      base[i] = 1f / powers[i];
    }
    switch (p.ropeType()) {
      case "default" -> {
        return new RopeFrequencies(dim, base, null, Integer.MAX_VALUE, 1f);
      }
      case "linear" -> {
        float f = (float) (double) p.factor();
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
          inv[i] = base[i] / f;
        }
        return new RopeFrequencies(dim, inv, null, Integer.MAX_VALUE, 1f);
      }
      case "llama3" -> {
        return new RopeFrequencies(dim, llama3(p, base), null, Integer.MAX_VALUE, 1f);
      }
      case "yarn" -> {
        return yarn(p, dim, powers, maxPositions);
      }
      case "longrope" -> {
        return longrope(p, dim, powers, maxPositions);
      }
      default -> throw new IllegalArgumentException("rope type " + p.ropeType());
    }
  }

  /** Llama 3.1: keep high frequencies, divide low ones by the factor, interpolate in between. */
  private static float[] llama3(RopeParameters p, float[] base) {
    double factor = p.factor();
    double lo = p.lowFreqFactor();
    double hi = p.highFreqFactor();
    int n = p.originalMaxPositionEmbeddings();
    float lowFreqWavelen = (float) (n / lo);
    float highFreqWavelen = (float) (n / hi);
    float[] inv = new float[base.length];
    for (int i = 0; i < base.length; i++) {
      float wavelen = (float) (2 * Math.PI) / base[i];
      float scaled = wavelen > lowFreqWavelen ? base[i] / (float) factor : base[i];
      if (!(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen)) { // medium: boundaries included
        float smooth = ((float) n / wavelen - (float) lo) / (float) (hi - lo);
        scaled = (1 - smooth) * scaled / (float) factor + smooth * scaled;
      }
      inv[i] = scaled;
    }
    return inv;
  }

  /** YaRN: a ramp between interpolated (divided by the factor) and extrapolated frequencies, plus mscale. */
  private static RopeFrequencies yarn(RopeParameters p, int dim, float[] powers, int maxPositions) {
    int n = p.originalMaxPositionEmbeddings();
    double factor = p.factor() != null ? p.factor() : (double) maxPositions / n;
    double betaFast = p.betaFast() == null ? 32 : p.betaFast();
    double betaSlow = p.betaSlow() == null ? 1 : p.betaSlow();
    boolean truncate = p.truncate() == null || p.truncate();
    double theta = p.ropeTheta();
    double low = correctionDim(betaFast, dim, theta, n);
    double high = correctionDim(betaSlow, dim, theta, n);
    if (truncate) {
      low = Math.floor(low);
      high = Math.ceil(high);
    }
    low = Math.max(low, 0);
    high = Math.min(high, dim - 1);
    if (low == high) {
      high += 0.001; // avoids a division by zero, as HF does
    }
    int half = dim / 2;
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) {
      float ramp = ((float) i - (float) low) / (float) (high - low);
      ramp = Math.min(Math.max(ramp, 0f), 1f);
      float extrapolationFactor = 1f - ramp;
      float extrapolation = 1f / powers[i];
      float interpolation = 1f / ((float) factor * powers[i]);
      inv[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
    }
    double attention;
    if (p.attentionFactor() != null) {
      attention = p.attentionFactor();
    } else if (p.mscale() != null && p.mscaleAllDim() != null && p.mscale() != 0 && p.mscaleAllDim() != 0) {
      attention = mscale(factor, p.mscale()) / mscale(factor, p.mscaleAllDim());
    } else {
      attention = mscale(factor, 1);
    }
    return new RopeFrequencies(dim, inv, null, Integer.MAX_VALUE, (float) attention);
  }

  private static double correctionDim(double rotations, int dim, double theta, int n) {
    return dim * Math.log(n / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
  }

  private static double mscale(double scale, double m) {
    return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
  }

  /** LongRoPE (Phi-3): per-pair factors, a short and a long table, and sqrt(1 + ln f / ln N). */
  private static RopeFrequencies longrope(RopeParameters p, int dim, float[] powers, int maxPositions) {
    int n = p.originalMaxPositionEmbeddings();
    double attention;
    if (p.attentionFactor() != null) {
      attention = p.attentionFactor();
    } else {
      double f = p.factor() != null ? p.factor() : (double) maxPositions / n;
      attention = f <= 1 ? 1.0 : Math.sqrt(1 + Math.log(f) / Math.log(n));
    }
    return new RopeFrequencies(dim, scaled(powers, p.shortFactor()), scaled(powers, p.longFactor()), n,
        (float) attention);
  }

  private static float[] scaled(float[] powers, List<Double> factors) {
    float[] inv = new float[powers.length];
    for (int i = 0; i < inv.length; i++) {
      inv[i] = 1f / ((float) (double) factors.get(i) * powers[i]);
    }
    return inv;
  }
}
