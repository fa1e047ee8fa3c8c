package dev.sparkgen.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.nn.Attention;
import dev.sparkgen.model.nn.GeluConstants;
import dev.sparkgen.model.nn.DecoderBlock;
import dev.sparkgen.model.nn.GeluMlp;
import dev.sparkgen.model.nn.LayerNorm;
import dev.sparkgen.model.nn.StepInputs;
import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.WeightSource;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A GPT-2-family model whose weights are trainable leaves in Hugging Face layout (Conv1D [in, out]),
 * run through the same blocks as inference ({@link DecoderBlock}, {@link Attention} without a
 * cache) so that what is trained is exactly what {@code CausalLm} later serves.
 */
public final class TrainableGpt2 implements AutoCloseable {
  private final ModelConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> params = new LinkedHashMap<>();
  private final GeluConstants constants;
  private final NDArray scale;

  private TrainableGpt2(ModelConfig config, Map<String, WeightSource> weights) {
    if (config.family() != ModelFamily.GPT2) {
      throw new IllegalArgumentException("the trainer trains gpt2-family models, got " + config.family().modelType());
    }
    this.config = config;
    this.manager = DjlEnvironment.engine().newBaseManager();
    this.constants = GeluConstants.create(manager);
    this.scale = manager.create((float) (1.0 / Math.sqrt(config.headDim())));
    weights.forEach((name, w) -> {
      float[] data = new float[Math.toIntExact(w.numel())];
      FloatBuffer buf = FloatBuffer.wrap(data);
      w.read(0, data.length, buf);
      NDArray p = manager.create(data, new Shape(w.shape()));
      p.setRequiresGradient(true);
      params.put(name, p);
    });
  }

  /**
   * GPT-2's initialisation: normal(0, 0.02) matrices, residual projections scaled by
   * 1/sqrt(2 * layers), zero biases, unit norm weights.
   */
  public static TrainableGpt2 init(ModelConfig config, long seed) {
    Map<String, WeightSource> w = new LinkedHashMap<>();
    double residualStd = 0.02 / Math.sqrt(2.0 * config.numLayers());
    config.family().tensorShapes(config).forEach((name, shape) -> {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      float[] data = new float[Math.toIntExact(n)];
      SplittableRandom r = new SplittableRandom(seed ^ name.hashCode());
      boolean bias = name.endsWith(".bias");
      boolean norm = shape.length == 1 && !bias;
      double std = name.endsWith("c_proj.weight") ? residualStd : 0.02;
      for (int i = 0; i < data.length; i++) {
        data[i] = norm ? 1f : bias ? 0f : (float) (std * gaussian(r));
      }
      w.put(name, WeightSource.of(data, shape));
    });
    return new TrainableGpt2(config, w);
  }

  /** Continues from saved weights. */
  public static TrainableGpt2 from(Checkpoint checkpoint) {
    return new TrainableGpt2(checkpoint.config(), checkpoint.tensors());
  }

  private static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  /** The architecture. */
  public ModelConfig config() {
    return config;
  }

  /** The trainable weights by canonical name. */
  public Map<String, NDArray> parameters() {
    return params;
  }

  /** The manager that owns the weights. */
  public NDManager manager() {
    return manager;
  }

  /**
   * Mean next-token cross-entropy of {@code ids} [B, T] predicting {@code targets} [B, T] (int64),
   * a scalar. Runs inside the caller's gradient collector when training.
   */
  public NDArray loss(NDArray ids, NDArray targets) {
    long b = ids.getShape().get(0);
    int t = (int) ids.getShape().get(1);
    NDArray positions = manager.arange(0, t, 1, DataType.INT64).reshape(1, t);
    NDArray x = p("wte.weight").get(ids).add(p("wpe.weight").get(positions)); // [B, T, d]
    float[] bias = new float[t * t];
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) {
        bias[i * t + j] = -Float.MAX_VALUE; // causal: no position sees a later one
      }
    }
    StepInputs in = new StepInputs(0, manager.create(bias, new Shape(1, 1, t, t)), null);
    float eps = (float) config.normEps();
    for (int l = 0; l < config.numLayers(); l++) {
      String h = "h." + l + ".";
      // Transposed views: gradients flow back to the Conv1D-layout leaves.
      Attention attn = new Attention(l, config.numHeads(), config.numKvHeads(), config.headDim(),
          p(h + "attn.c_attn.weight").transpose(), p(h + "attn.c_attn.bias"),
          p(h + "attn.c_proj.weight").transpose(), p(h + "attn.c_proj.bias"), scale, null);
      GeluMlp mlp = new GeluMlp(p(h + "mlp.c_fc.weight").transpose(), p(h + "mlp.c_fc.bias"),
          p(h + "mlp.c_proj.weight").transpose(), p(h + "mlp.c_proj.bias"), constants);
      DecoderBlock block = new DecoderBlock(new LayerNorm(p(h + "ln_1.weight"), p(h + "ln_1.bias"), eps), attn,
          new LayerNorm(p(h + "ln_2.weight"), p(h + "ln_2.bias"), eps), mlp);
      x = block.apply(x, in, null);
    }
    x = new LayerNorm(p("ln_f.weight"), p("ln_f.bias"), eps).apply(x);
    NDArray logits = Linear.linear(x, p("wte.weight")).singletonOrThrow(); // [B, T, V]
    NDArray picked = logits.logSoftmax(-1).gather(targets.reshape(b, t, 1), -1); // [B, T, 1]
    return picked.mean().neg();
  }

  private NDArray p(String name) {
    return params.get(name);
  }

  /** A snapshot of the current weights as a checkpoint (copied to Java arrays). */
  public Checkpoint snapshot() {
    Map<String, WeightSource> out = new LinkedHashMap<>();
    try (NDScope ignored = new NDScope()) {
      params.forEach((name, p) -> out.put(name, WeightSource.of(p.toFloatArray(), p.getShape().getShape())));
    }
    return new Checkpoint(config, out, "trainer snapshot", List.of());
  }

  @Override
  public void close() {
    manager.close();
  }
}
