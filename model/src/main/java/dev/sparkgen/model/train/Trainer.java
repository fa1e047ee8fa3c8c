package dev.sparkgen.model.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.SafetensorsFile;
import dev.sparkgen.model.weights.SafetensorsWriter;
import dev.sparkgen.model.weights.FileByteSource;
import dev.sparkgen.model.weights.TensorInfo;
import dev.sparkgen.model.weights.WeightSource;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a GPT-2-family byte-level model on a fortune corpus: next-token cross-entropy, AdamW,
 * warm-up and cosine decay, gradient clipping, validation loss; saves a Hugging Face folder through
 * the project's writer and can resume from its state folder.
 *
 * <p>Run: {@code mvn -q -pl model compile exec:java -Dexec.mainClass=dev.sparkgen.model.train.Trainer
 * -Dexec.args="--steps=3000"} (see README).
 */
public final class Trainer {
  private final TrainConfig cfg;
  private final ByteCorpus train;
  private final ByteCorpus valid;

  public Trainer(TrainConfig cfg, ByteCorpus train, ByteCorpus valid) {
    this.cfg = cfg;
    this.train = train;
    this.valid = valid;
  }

  /** Entry point: {@code --key=value} arguments, see {@link TrainConfig#DEFAULTS}. */
  public static void main(String[] args) throws IOException {
    TrainConfig cfg;
    try {
      cfg = TrainConfig.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("sparkgen train: " + e.getMessage());
      System.exit(2);
      return;
    }
    DjlEnvironment.setThreads(cfg.threads());
    Trainer t = new Trainer(cfg, ByteCorpus.read(cfg.data().resolve("train.txt")), ByteCorpus.read(cfg.data().resolve("valid.txt")));
    t.run();
  }

  /** The model config the settings describe. */
  public ModelConfig modelConfig() {
    return new ModelConfig(ModelFamily.GPT2, ByteTokenizer.VOCAB, cfg.hidden(), cfg.layers(), cfg.heads(), cfg.heads(),
        cfg.hidden() / cfg.heads(), 4 * cfg.hidden(), cfg.context(), 1e-5, 0, true, true, true,
        ByteTokenizer.EOS, List.of(ByteTokenizer.EOS)).validate("trainer settings");
  }

  /** Trains for the configured steps (continuing from the state folder when resuming); returns the final validation loss. */
  public double run() throws IOException {
    int start = 0;
    AdamW opt = new AdamW(0.9, 0.95, 1e-8, cfg.weightDecay());
    TrainableGpt2 model;
    if (cfg.resume() && Files.isRegularFile(cfg.state().resolve("state.json"))) {
      try (Checkpoint ckpt = HfFolder.open(cfg.state())) {
        model = TrainableGpt2.from(ckpt);
      }
      start = new Gson().fromJson(Files.readString(cfg.state().resolve("state.json")), JsonObject.class).get("step").getAsInt();
      opt.restore(readMoments(model.manager(), "m."), readMoments(model.manager(), "v."));
      System.out.printf("resumed at step %d from %s%n", start, cfg.state());
    } else {
      model = TrainableGpt2.init(modelConfig(), cfg.seed());
    }
    try (model) {
      long params = model.config().parameterCount();
      System.out.printf("training %,d parameters on %,d tokens (validation %,d); unigram baseline %.4f nats/token%n",
          params, train.tokens().length, valid.tokens().length, valid.unigramCrossEntropy(train));
      LrSchedule schedule = new LrSchedule(cfg.lr(), cfg.minLr(), cfg.warmup(), cfg.steps());
      long t0 = System.nanoTime();
      long tokens = 0;
      double smoothed = Double.NaN;
      int end = cfg.until() > 0 ? cfg.until() : cfg.steps();
      for (int step = start; step < end; step++) {
        double loss = trainStep(model, opt, schedule.at(step), step);
        smoothed = Double.isNaN(smoothed) ? loss : 0.9 * smoothed + 0.1 * loss;
        tokens += (long) cfg.batch() * cfg.context();
        if ((step + 1) % 10 == 0 || step == start) {
          double secs = (System.nanoTime() - t0) / 1e9;
          System.out.printf("step %5d/%d  loss %.4f  lr %.2e  %,.0f tokens/s%n", step + 1, cfg.steps(), smoothed,
              schedule.at(step), tokens / secs);
        }
        if ((step + 1) % cfg.evalEvery() == 0 || step + 1 == end) {
          System.out.printf("step %5d  validation loss %.4f%n", step + 1, evaluate(model, cfg.evalBatches()));
          saveState(model, opt, step + 1);
        }
      }
      if (end < cfg.steps()) {
        System.out.printf("stopped at step %d; continue with --resume=true%n", end);
        return Double.NaN;
      }
      double finalLoss = evaluate(model, Integer.MAX_VALUE);
      save(model, finalLoss);
      System.out.printf("final validation loss %.4f nats/token (perplexity %.3f); unigram baseline %.4f (perplexity %.3f)%n",
          finalLoss, Math.exp(finalLoss), valid.unigramCrossEntropy(train), Math.exp(valid.unigramCrossEntropy(train)));
      return finalLoss;
    }
  }

  /** One optimisation step on a batch of random training windows; returns the batch loss. */
  double trainStep(TrainableGpt2 model, AdamW opt, double lr, int step) {
    NDManager m = model.manager();
    try (NDScope ignored = new NDScope()) {
      NDArray[] batch = windows(m, train.tokens(), new SplittableRandom(cfg.seed() * 31 + step), cfg.batch());
      NDArray loss;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        loss = model.loss(batch[0], batch[1]);
        gc.backward(loss);
      }
      Map<String, NDArray> grads = new LinkedHashMap<>();
      double sq = 0;
      for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
        NDArray g = e.getValue().getGradient();
        grads.put(e.getKey(), g);
        sq += g.square().sum().getFloat();
      }
      double norm = Math.sqrt(sq);
      if (norm > cfg.clip()) {
        grads.replaceAll((k, g) -> g.mul(cfg.clip() / norm)); // clip the global norm
      }
      opt.update(model.parameters(), grads, lr, step + 1, m);
      for (NDArray p : model.parameters().values()) {
        p.getGradient().muli(0); // PyTorch accumulates gradients: clear them for the next step
      }
      return loss.getFloat();
    }
  }

  /** Random windows of context + 1 tokens: inputs [B, T] and next-token targets [B, T]. */
  private NDArray[] windows(NDManager m, int[] stream, SplittableRandom r, int count) {
    int t = cfg.context();
    long[] ids = new long[count * t];
    long[] targets = new long[count * t];
    for (int b = 0; b < count; b++) {
      int at = r.nextInt(stream.length - t - 1);
      for (int i = 0; i < t; i++) {
        ids[b * t + i] = stream[at + i];
        targets[b * t + i] = stream[at + i + 1];
      }
    }
    return new NDArray[] {m.create(ids, new Shape(count, t)), m.create(targets, new Shape(count, t))};
  }

  /** Mean validation loss over consecutive non-overlapping windows (at most {@code maxBatches} batches). */
  public double evaluate(TrainableGpt2 model, int maxBatches) {
    int t = cfg.context();
    int[] stream = valid.tokens();
    int windows = (stream.length - 1) / t;
    double total = 0;
    long counted = 0;
    for (int w0 = 0, batches = 0; w0 < windows && batches < maxBatches; w0 += cfg.batch(), batches++) {
      int n = Math.min(cfg.batch(), windows - w0);
      long[] ids = new long[n * t];
      long[] targets = new long[n * t];
      for (int b = 0; b < n; b++) {
        for (int i = 0; i < t; i++) {
          ids[b * t + i] = stream[(w0 + b) * t + i];
          targets[b * t + i] = stream[(w0 + b) * t + i + 1];
        }
      }
      try (NDScope ignored = new NDScope()) {
        NDManager m = model.manager();
        total += model.loss(m.create(ids, new Shape(n, t)), m.create(targets, new Shape(n, t))).getFloat() * n * t;
        counted += (long) n * t;
      }
    }
    return total / counted;
  }

  private void save(TrainableGpt2 model, double validLoss) throws IOException {
    Path out = cfg.out();
    try (Checkpoint snap = model.snapshot()) {
      HfFolder.save(snap, out);
    }
    ByteTokenizer.write(out);
    JsonObject gen = new JsonObject();
    gen.addProperty("bos_token_id", ByteTokenizer.EOS);
    gen.addProperty("eos_token_id", ByteTokenizer.EOS);
    gen.addProperty("pad_token_id", ByteTokenizer.EOS);
    gen.addProperty("max_new_tokens", 64);
    Gson gson = new GsonBuilder().setPrettyPrinting().create();
    Files.writeString(out.resolve("generation_config.json"), gson.toJson(gen) + "\n", StandardCharsets.UTF_8);
    JsonObject report = new JsonObject();
    report.addProperty("validation_loss", validLoss);
    report.addProperty("validation_perplexity", Math.exp(validLoss));
    report.addProperty("unigram_validation_loss", valid.unigramCrossEntropy(train));
    report.addProperty("unigram_validation_perplexity", Math.exp(valid.unigramCrossEntropy(train)));
    report.addProperty("parameters", model.config().parameterCount());
    report.addProperty("steps", cfg.steps());
    report.addProperty("batch", cfg.batch());
    report.addProperty("context", cfg.context());
    report.addProperty("seed", cfg.seed());
    Files.writeString(out.resolve("training_report.json"), gson.toJson(report) + "\n", StandardCharsets.UTF_8);
  }

  private void saveState(TrainableGpt2 model, AdamW opt, int step) throws IOException {
    Path dir = cfg.state();
    try (Checkpoint snap = model.snapshot()) {
      HfFolder.save(snap, dir);
    }
    Map<String, WeightSource> moments = new LinkedHashMap<>();
    try (NDScope ignored = new NDScope()) {
      opt.firstMoments().forEach((k, v) -> moments.put("m." + k, WeightSource.of(v.toFloatArray(), v.getShape().getShape())));
      opt.secondMoments().forEach((k, v) -> moments.put("v." + k, WeightSource.of(v.toFloatArray(), v.getShape().getShape())));
    }
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(dir.resolve("optimizer.safetensors")))) {
      SafetensorsWriter.write(moments, o);
    }
    Files.writeString(dir.resolve("state.json"), "{\"step\": " + step + "}\n", StandardCharsets.UTF_8);
  }

  private Map<String, NDArray> readMoments(NDManager m, String prefix) throws IOException {
    Map<String, NDArray> out = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(new FileByteSource(cfg.state().resolve("optimizer.safetensors")))) {
      for (TensorInfo t : f.tensors().values()) {
        if (t.name().startsWith(prefix)) {
          FloatBuffer buf = FloatBuffer.allocate(Math.toIntExact(t.numel()));
          f.readFloats(t, 0, buf.capacity(), buf);
          out.put(t.name().substring(prefix.length()), m.create(buf.array(), new Shape(t.shape())));
        }
      }
    }
    return out;
  }
}
