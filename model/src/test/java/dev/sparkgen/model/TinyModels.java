package dev.sparkgen.model;

import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.RandomWeights;
import dev.sparkgen.model.weights.WeightSource;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Tiny seeded model shapes covering both families: GQA, MQA, MHA, tied and untied, with and without biases. */
public final class TinyModels {
  /** Matrices at 10x the init scale (std 0.2) so attention and logits are far from uniform. */
  static final float SHARPEN = 10f;

  private TinyModels() {}

  /** A named config, so parameterised test names say which shape failed. */
  public record Named(String name, ModelConfig config) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** The shapes the property tests run on. */
  public static List<Named> all() {
    return List.of(
        new Named("gpt2-4heads", gpt2(61, 32, 2, 4, 64, 64)),
        new Named("gpt2-3heads-1layer", gpt2(50, 48, 1, 3, 96, 40)),
        new Named("llama-gqa-4q-2kv-untied", llama(73, 32, 2, 4, 2, 8, 48, false, false, false)),
        new Named("llama-mqa-tied-biases", llama(64, 32, 2, 4, 1, 8, 40, true, true, true)),
        new Named("llama-mha-headdim16-attnbias", llama(90, 24, 2, 2, 2, 16, 32, false, true, false)));
  }

  /** A GPT-2 config (heads divide hidden). */
  public static ModelConfig gpt2(int vocab, int hidden, int layers, int heads, int inner, int positions) {
    return new ModelConfig(ModelFamily.GPT2, vocab, hidden, layers, heads, heads, hidden / heads, inner, positions,
        1e-5, 0, true, true, true, 0, List.of(vocab - 1)).validate("test");
  }

  /** A Llama config. */
  public static ModelConfig llama(int vocab, int hidden, int layers, int heads, int kvHeads, int headDim, int inner,
      boolean tied, boolean attentionBias, boolean mlpBias) {
    return new ModelConfig(ModelFamily.LLAMA, vocab, hidden, layers, heads, kvHeads, headDim, inner, 128, 1e-6,
        10000.0, tied, attentionBias, mlpBias, 1, List.of(2)).validate("test");
  }

  /** {@link RandomWeights} with every matrix scaled by {@link #SHARPEN}; biases and norms as drawn. */
  public static Checkpoint checkpoint(ModelConfig config, long seed) {
    Checkpoint random = RandomWeights.create(config, seed);
    Map<String, WeightSource> scaled = new LinkedHashMap<>();
    random.tensors().forEach((name, w) -> scaled.put(name, w.shape().length == 2 ? scale(w) : w));
    return new Checkpoint(config, scaled, "sharpened random weights (seed " + seed + ")", List.of());
  }

  private static WeightSource scale(WeightSource w) {
    float[] data = floats(w);
    for (int i = 0; i < data.length; i++) {
      data[i] *= SHARPEN;
    }
    return WeightSource.of(data, w.shape());
  }

  /** A model built from {@link #checkpoint}. */
  public static CausalLm model(ModelConfig config, long seed) {
    return CausalLm.of(checkpoint(config, seed));
  }

  /** All of a weight's values. */
  public static float[] floats(WeightSource w) {
    FloatBuffer buf = FloatBuffer.allocate(Math.toIntExact(w.numel()));
    w.read(0, buf.capacity(), buf);
    return buf.array();
  }

  /** Seeded random token ids in [0, vocab). */
  public static int[] tokens(SplittableRandom r, int length, int vocab) {
    int[] out = new int[length];
    for (int i = 0; i < length; i++) {
      out[i] = r.nextInt(vocab);
    }
    return out;
  }

  /** Largest absolute difference between two logits rows of equal length. */
  public static double maxDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }
}
