package dev.sparkgen.job;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ModelFiles;
import dev.sparkgen.job.driver.ModelIdentity;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.exec.BroadcastChunks;
import dev.sparkgen.job.exec.ModelSource;
import dev.sparkgen.job.exec.ServedFiles;
import dev.sparkgen.job.exec.TokenizerSource;
import dev.sparkgen.model.weights.WeightsPayload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model on its way to the executors, prepared once and reused by any number of {@link
 * GenerationRun}s with different generation settings: the checked checkpoint and tokenizer, their
 * identity, and how they reach executors (weights_distribution: the model's files served by the
 * driver's RPC file server, broadcast chunks, or a folder every executor reads), decided here once. What belongs to the shipment is fixed by the keys {@code
 * model}, {@code tokenizer}, {@code weights_distribution} and, for {@code model=random}, {@code
 * seed} (the random weights' seed); a run whose configuration differs in one of them is refused.
 *
 * <p>Who closes what: closing the shipment destroys its broadcasts and stops serving its files (runs
 * using it must be done),
 * and closes the model's checkpoint when the shipment resolved it itself ({@link #prepare(SparkSession,
 * JobConfig)}); a model handed in ({@link #of}) stays the caller's.
 */
public final class ModelShipment implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelShipment.class);

  private final SparkSession spark;
  private final JobConfig shippedWith;
  private final ResolvedModel model;
  private final boolean ownsModel;
  private final ModelSource modelSource;
  private final TokenizerSource tokenizerSource;
  private final List<Broadcast<?>> broadcasts;
  private final ServedFiles served; // null unless weights_distribution=file_server

  private ModelShipment(SparkSession spark, JobConfig cfg, ResolvedModel model, boolean ownsModel, int chunkBytes) {
    this.spark = spark;
    this.shippedWith = cfg;
    this.model = model;
    this.ownsModel = ownsModel;
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    String sha = model.identity().sha256();
    List<Broadcast<?>> shipped = new ArrayList<>();
    String shippedAs = "";
    ServedFiles served = null;
    if (cfg.weightsDistribution() == JobConfig.WeightsDistribution.FILE_SERVER) {
      Path folder = model.sharedFolder();
      ModelFiles files = model.files() != null ? model.files() : ModelFiles.of(folder); // random: just saved
      served = ServedFiles.serve(spark.sparkContext(), files.paths());
      try {
        // The digests executors check are of the files the identity's sha256 was computed from.
        files.checkUnchanged("computed its sha256 and served it to the executors");
      } catch (RuntimeException e) {
        served.close();
        throw e;
      }
      this.modelSource = new ModelSource.ServedFolder(folder.toString(), served.entries(), sha);
      long bytes = served.entries().stream().mapToLong(ServedFiles.Entry::bytes).sum();
      shippedAs = String.format(Locale.ROOT, " (%.1f MiB in %d files)", bytes / 1048576.0, served.entries().size());
    } else if (cfg.weightsDistribution() == JobConfig.WeightsDistribution.BROADCAST) {
      BroadcastChunks.Shipped s = BroadcastChunks.broadcast(spark.sparkContext(), model.checkpoint(), chunkBytes);
      shipped.addAll(s.chunks());
      if (!s.sha256().equals(sha)) { // the same writer made both: a difference is a bug, not bad input
        shipped.forEach(Broadcast::destroy);
        throw new IllegalStateException("the broadcast image's sha256 " + s.sha256() + " differs from the model's " + sha);
      }
      this.modelSource = new ModelSource.Broadcasted(WeightsPayload.configJson(model.checkpoint()), s.chunks(),
          s.chunkBytes(), s.bytes(), sha);
      shippedAs = String.format(Locale.ROOT, " (%.1f MiB in %d chunks)", s.bytes() / 1048576.0, s.chunks().size());
    } else {
      this.modelSource = new ModelSource.SharedFolder(model.sharedFolder().toString(), sha);
    }
    TokenizerSource tokenizerSource = null;
    if (model.tokenizer() != null) {
      try {
        Broadcast<byte[]> t = sc.broadcast(model.tokenizer().bytes());
        tokenizerSource = new TokenizerSource(t, model.tokenizer().sha256());
        shipped.add(t);
      } catch (RuntimeException e) { // nothing of a failed shipment stays shipped
        shipped.forEach(Broadcast::destroy);
        if (served != null) {
          served.close();
        }
        throw e;
      }
    }
    this.tokenizerSource = tokenizerSource;
    this.broadcasts = List.copyOf(shipped);
    this.served = served;
    ModelIdentity id = model.identity();
    LOG.info("model {} ({}, {} parameters, sha256 {}) shipped by {}{}; tokenizer {}", id.source(), id.family(),
        id.parameters(), sha.substring(0, 12), cfg.weightsDistribution().name().toLowerCase(Locale.ROOT), shippedAs,
        model.tokenizer() == null ? "none" : model.tokenizer().path());
  }

  /** Resolves and checks {@code cfg}'s model and tokenizer, then ships them; closing the shipment closes the model. */
  public static ModelShipment prepare(SparkSession spark, JobConfig cfg) {
    ResolvedModel model = ResolvedModel.resolve(cfg);
    try {
      return new ModelShipment(spark, cfg, model, true, BroadcastChunks.CHUNK_BYTES);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** Ships an already resolved model (the command line resolves it before Spark starts); the caller closes the model. */
  public static ModelShipment of(SparkSession spark, JobConfig cfg, ResolvedModel model) {
    return new ModelShipment(spark, cfg, model, false, BroadcastChunks.CHUNK_BYTES);
  }

  /** As {@link #of} with broadcast chunks of {@code chunkBytes} (tests). */
  static ModelShipment of(SparkSession spark, JobConfig cfg, ResolvedModel model, int chunkBytes) {
    return new ModelShipment(spark, cfg, model, false, chunkBytes);
  }

  /**
   * A run of this shipment under {@code cfg}'s generation and job settings; the run does not close
   * the shipment.
   *
   * @throws ConfigException when {@code cfg} names another model, tokenizer, weights_distribution or
   *     (model=random) seed than the shipment's, or its generation settings do not suit the model
   */
  public GenerationRun run(JobConfig cfg) {
    return new GenerationRun(this, cfg, false);
  }

  /** Refuses {@code cfg} when one of the keys that decide the shipment differs from the shipment's. */
  void checkSameShipment(JobConfig cfg) {
    same("model", shippedWith.model(), cfg.model());
    same("tokenizer", shippedWith.tokenizer(), cfg.tokenizer());
    same("weights_distribution", shippedWith.weightsDistribution(), cfg.weightsDistribution());
    if (cfg.randomModel()) {
      same("seed", model.generation().seed(), model.generationFor(cfg).seed());
    }
  }

  private static void same(String key, Object shipped, Object asked) {
    if (!Objects.equals(shipped, asked)) {
      throw new ConfigException(key + "=" + asked + " differs from the model shipment's " + key + "=" + shipped
          + ": prepare a ModelShipment for it");
    }
  }

  SparkSession spark() {
    return spark;
  }

  /** The checked model, tokenizer and the model's own generation settings. */
  public ResolvedModel model() {
    return model;
  }

  ModelSource modelSource() {
    return modelSource;
  }

  TokenizerSource tokenizerSource() {
    return tokenizerSource;
  }

  /** The ids of the weight-chunk broadcasts (empty unless weights_distribution=broadcast). */
  List<Long> weightBroadcastIds() {
    return modelSource instanceof ModelSource.Broadcasted b ? b.chunks().stream().map(Broadcast::id).toList() : List.of();
  }

  /** Destroys the broadcasts, stops serving the files, and closes the model if this shipment resolved it. */
  @Override
  public void close() {
    for (Broadcast<?> b : broadcasts) {
      b.destroy();
    }
    if (served != null) {
      served.close();
    }
    if (ownsModel) {
      model.close();
    }
  }
}
