package dev.sparkgen.model.bench;

import java.util.Arrays;

/** A median with its range over repeated runs: every figure the benchmark reports is one of these. */
record Spread(double median, double min, double max) {
  static Spread of(double... xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    double med = n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    return new Spread(med, n == 0 ? Double.NaN : s[0], n == 0 ? Double.NaN : s[n - 1]);
  }

  /** The same spread with every value scaled by {@code f} (f > 0). */
  Spread times(double f) {
    return new Spread(median * f, min * f, max * f);
  }

  /** "median (min–max)" with the given format per value. */
  String format(String fmt) {
    return String.format(fmt + " (" + fmt + "–" + fmt + ")", median, min, max);
  }
}
