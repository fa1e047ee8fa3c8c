package dev.sparkgen.model.generate.search;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/** The default {@link UniformSource}: a SplittableRandom seeded by a mix of (seed, key, sample index). */
public final class SeededUniforms implements UniformSource {
  private final long seed;

  /** Streams derived from {@code seed}. */
  public SeededUniforms(long seed) {
    this.seed = seed;
  }

  @Override
  public DoubleSupplier stream(long key, int sampleIndex) {
    long s = mix(seed ^ 0x9E3779B97F4A7C15L);
    s = mix(s ^ key);
    s = mix(s ^ (sampleIndex + 0x632BE59BD9B4E019L));
    return new SplittableRandom(s)::nextDouble;
  }

  /** Stafford's variant 13 of the MurmurHash3 finaliser: every input bit affects every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
