package dev.sparkgen.model.weights;

import dev.sparkgen.model.config.ModelConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random initialisation of any model config from a seed, the same in every JVM: normal(0, 0.02)
 * matrices and biases (as GPT-2 and Llama initialise matrices), norm weights at 1 + normal(0, 0.1)
 * so that tests exercise every parameter.
 */
public final class RandomWeights {
  private RandomWeights() {}

  /** A checkpoint of random weights; each tensor's values depend only on (seed, tensor name). */
  public static Checkpoint create(ModelConfig config, long seed) {
    Map<String, WeightSource> tensors = new LinkedHashMap<>();
    config.family().tensorShapes(config).forEach((name, shape) -> {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      float[] data = new float[Math.toIntExact(n)];
      boolean normWeight = shape.length == 1 && name.endsWith(".weight");
      SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
      for (int i = 0; i < data.length; i++) {
        data[i] = normWeight ? (float) (1 + 0.1 * gaussian(r)) : (float) (0.02 * gaussian(r));
      }
      tensors.put(name, WeightSource.of(data, shape));
    });
    return new Checkpoint(config, tensors, "random weights (seed " + seed + ")", List.of());
  }

  // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
  private static double gaussian(SplittableRandom r) {
    double u = 1.0 - r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
