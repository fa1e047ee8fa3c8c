package dev.sparkgen.job;

import com.google.gson.GsonBuilder;
import dev.sparkgen.job.chat.ChatPrompts;
import dev.sparkgen.job.chat.ChatSetup;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ModelIdentity;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.job.exec.BroadcastChunks;
import dev.sparkgen.job.exec.GenerationSettings;
import dev.sparkgen.job.exec.ModelSource;
import dev.sparkgen.job.exec.OutputColumns;
import dev.sparkgen.job.exec.PartitionGenerator;
import dev.sparkgen.job.exec.PromptPreparer;
import dev.sparkgen.job.exec.TokenizerSource;
import dev.sparkgen.job.io.RowPositions;
import dev.sparkgen.model.weights.WeightsPayload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;

/**
 * A run made ready on the driver: the model checked, its weights broadcast (or left in a folder
 * that every executor reads),
 * the tokenizer broadcast. {@link #apply} turns prompt Datasets into result Datasets (lazily);
 * {@link #modelLoads} reports, after an action, how often each executor built the model.
 */
public final class GenerationRun implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GenerationRun.class);
  private final JobConfig cfg;
  private final ResolvedModel model;
  private final ModelSource modelSource;
  private final TokenizerSource tokenizerSource;
  private final List<Broadcast<?>> broadcasts;
  private final CollectionAccumulator<String> loads;
  private final CollectionAccumulator<String> partitionTimes;
  private final SparkSession spark;
  private final int defaultParallelism;
  private final boolean ownsModel;

  private GenerationRun(SparkSession spark, JobConfig cfg, ResolvedModel model, boolean ownsModel, int chunkBytes) {
    this.cfg = cfg;
    this.ownsModel = ownsModel;
    this.model = model;
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    this.defaultParallelism = sc.defaultParallelism();
    String sha = model.identity().sha256();
    List<Broadcast<?>> shipped = new ArrayList<>();
    String shippedAs = "";
    if (cfg.weightsDistribution() == JobConfig.WeightsDistribution.BROADCAST) {
      BroadcastChunks.Shipped s = BroadcastChunks.broadcast(spark.sparkContext(), model.checkpoint(), chunkBytes);
      shipped.addAll(s.chunks());
      if (!s.sha256().equals(sha)) { // the same writer made both: a difference is a bug, not bad input
        shipped.forEach(Broadcast::destroy);
        throw new IllegalStateException("the broadcast image's sha256 " + s.sha256() + " differs from the model's " + sha);
      }
      this.modelSource = new ModelSource.Broadcasted(WeightsPayload.configJson(model.checkpoint()), s.chunks(),
          s.chunkBytes(), s.bytes(), sha);
      shippedAs = String.format(" (%.1f MiB in %d chunks)", s.bytes() / 1048576.0, s.chunks().size());
    } else {
      this.modelSource = new ModelSource.SharedFolder(model.sharedFolder().toString(), sha);
    }
    if (model.tokenizer() != null) {
      Broadcast<byte[]> t = sc.broadcast(model.tokenizer().bytes());
      this.tokenizerSource = new TokenizerSource(t, model.tokenizer().sha256());
      shipped.add(t);
    } else {
      this.tokenizerSource = null;
    }
    this.broadcasts = List.copyOf(shipped);
    this.loads = spark.sparkContext().collectionAccumulator("sparkgen model loads");
    this.partitionTimes = spark.sparkContext().collectionAccumulator("sparkgen partition times");
    this.spark = spark;
    ModelIdentity id = model.identity();
    LOG.info("model {} ({}, {} parameters, sha256 {}) shipped by {}{}; tokenizer {}", id.source(), id.family(),
        id.parameters(), sha.substring(0, 12), cfg.weightsDistribution().name().toLowerCase(java.util.Locale.ROOT),
        shippedAs,
        model.tokenizer() == null ? "none" : model.tokenizer().path());
  }

  /** Checks the model, tokenizer and generation settings of {@code cfg}, then ships them. */
  public static GenerationRun prepare(SparkSession spark, JobConfig cfg) {
    return new GenerationRun(spark, cfg, ResolvedModel.resolve(cfg), true, WeightsPayload.CHUNK_BYTES);
  }

  /** Ships an already resolved model (the command line resolves it before Spark starts); the caller closes it. */
  public static GenerationRun prepare(SparkSession spark, JobConfig cfg, ResolvedModel model) {
    return new GenerationRun(spark, cfg, model, false, WeightsPayload.CHUNK_BYTES);
  }

  /** As {@link #prepare(SparkSession, JobConfig, ResolvedModel)} with broadcast chunks of {@code chunkBytes} (tests). */
  static GenerationRun prepare(SparkSession spark, JobConfig cfg, ResolvedModel model, int chunkBytes) {
    return new GenerationRun(spark, cfg, model, false, chunkBytes);
  }

  /** The ids of this run's weight-chunk broadcasts (empty unless weights_distribution=broadcast). */
  List<Long> weightBroadcastIds() {
    return modelSource instanceof ModelSource.Broadcasted b ? b.chunks().stream().map(Broadcast::id).toList() : List.of();
  }

  /**
   * The results for {@code prompts}: every input column, then the columns {@link OutputColumns} appends, one
   * row per returned sequence (one row with {@code error} set for a prompt that failed).
   */
  public Dataset<Row> apply(Dataset<Row> prompts) {
    StructType in = prompts.schema();
    List<String> names = List.of(in.fieldNames());
    if (names.contains(RowPositions.COLUMN)) { // the command line's reader attached them
      in = prompts.drop(RowPositions.COLUMN).schema();
      names = List.of(in.fieldNames());
    }
    int ids = names.indexOf(cfg.promptIdsColumn());
    int text = names.indexOf(cfg.promptColumn());
    int id = names.indexOf(cfg.idColumn());
    ChatPrompts chat = ChatSetup.resolve(cfg.chat(), model.folder(), in);
    if (ids < 0 && text < 0 && chat.messagesIndex() < 0) {
      throw new SetupException("the input has neither prompt_column '" + cfg.promptColumn() + "' nor prompt_ids_column '"
          + cfg.promptIdsColumn() + "'; its columns are " + names);
    }
    if (ids >= 0 && !isIntArray(in.fields()[ids].dataType())) {
      throw new SetupException("prompt_ids_column '" + cfg.promptIdsColumn() + "' must be an array of integers, not "
          + in.fields()[ids].dataType().simpleString());
    }
    if (text >= 0 && !in.fields()[text].dataType().equals(DataTypes.StringType)) {
      throw new SetupException("prompt_column '" + cfg.promptColumn() + "' must be a string, not "
          + in.fields()[text].dataType().simpleString());
    }
    if (chat.template() != null && model.tokenizer() == null) {
      throw new SetupException("conversations are rendered to text with the chat template, but there is no tokenizer:"
          + " set tokenizer=PATH or put tokenizer.json in the model folder");
    }
    if (ids < 0 && model.tokenizer() == null) {
      throw new SetupException("the prompts are text ('" + cfg.promptColumn() + "') but there is no tokenizer: set"
          + " tokenizer=PATH or put tokenizer.json in the model folder");
    }
    int format = -1;
    String formatColumn = cfg.structuredOutput().column();
    if (!formatColumn.isEmpty()) {
      format = names.indexOf(formatColumn);
      if (format < 0) {
        throw new SetupException("response_format_column '" + formatColumn + "' is not in the input; its columns are "
            + names);
      }
      if (!in.fields()[format].dataType().equals(DataTypes.StringType)) {
        throw new SetupException("response_format_column '" + formatColumn + "' must be a string, not "
            + in.fields()[format].dataType().simpleString());
      }
    }
    StructType outSchema;
    try {
      outSchema = new OutputColumns(cfg.chat()).schema(in);
    } catch (IllegalArgumentException e) {
      throw new SetupException(e.getMessage(), e);
    }
    // Sampling draws from a stream keyed by the row's id, else by its place in the input (RowPositions).
    Dataset<Row> keyed = prompts;
    boolean sampling = model.generation().doSample();
    if (!List.of(prompts.columns()).contains(RowPositions.COLUMN) && sampling
        && (id < 0 || in.fields()[id].nullable())) {
      keyed = RowPositions.attach(spark, prompts, "");
    }
    int positions = List.of(keyed.schema().fieldNames()).indexOf(RowPositions.COLUMN);
    Dataset<Row> spread = keyed;
    int partitions = cfg.partitions() > 0 ? cfg.partitions() : defaultParallelism;
    if (cfg.partitions() > 0 || keyed.rdd().getNumPartitions() < partitions) {
      spread = keyed.repartition(partitions);
    }
    PromptPreparer preparer = new PromptPreparer(ids, text, id, cfg.promptIdsColumn(), cfg.promptColumn(),
        cfg.idColumn(), cfg.truncation() == JobConfig.Truncation.LEFT, positions, cfg.addSpecialTokens(), chat);
    PartitionGenerator fn = new PartitionGenerator(modelSource, tokenizerSource,
        GenerationSettings.of(model.generation()), preparer, cfg.batchSize(), loads,
        cfg.onError() == JobConfig.OnError.FAIL, cfg.fault(), partitionTimes,
        cfg.structuredOutput(), format);
    return spread.mapPartitions(fn, Encoders.row(outSchema));
  }

  private static boolean isIntArray(DataType t) {
    if (!(t instanceof ArrayType a)) {
      return false;
    }
    DataType e = a.elementType();
    return e.equals(DataTypes.IntegerType) || e.equals(DataTypes.LongType) || e.equals(DataTypes.ShortType)
        || e.equals(DataTypes.ByteType);
  }

  /** Model builds per executor id, as reported by the tasks run so far (one per executor JVM). */
  public Map<String, Integer> modelLoads() {
    Map<String, Integer> out = new TreeMap<>();
    for (String s : loads.value()) {
      int eq = s.lastIndexOf('=');
      out.merge(s.substring(0, eq), Integer.parseInt(s.substring(eq + 1)), Math::max);
    }
    return out;
  }

  /**
   * Seconds from the first partition's start of generation to the last one's end, over the
   * partitions run so far (their tasks' successful attempts); 0 before any.
   */
  public double generationSeconds() {
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (String s : partitionTimes.value()) {
      int comma = s.indexOf(',');
      first = Math.min(first, Long.parseLong(s.substring(0, comma)));
      last = Math.max(last, Long.parseLong(s.substring(comma + 1)));
    }
    return first == Long.MAX_VALUE ? 0 : (last - first) / 1e3;
  }

  /** The model's identity. */
  public ModelIdentity identity() {
    return model.identity();
  }

  /** The resolved generation settings by Hugging Face name. */
  public Map<String, Object> generationSettings() {
    return GenerationSettings.of(model.generation()).byName();
  }

  /** The key-value pairs written into each Parquet footer. */
  public Map<String, String> footerMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    ModelIdentity id = model.identity();
    m.put("sparkgen.model.sha256", id.sha256());
    m.put("sparkgen.model.family", id.family());
    m.put("sparkgen.model.parameters", Long.toString(id.parameters()));
    m.put("sparkgen.model.source", id.source());
    m.put("sparkgen.generation", new GsonBuilder().serializeNulls().create().toJson(generationSettings()));
    if (cfg.structuredOutput().active()) {
      m.put("sparkgen.response_format", new GsonBuilder().create().toJson(cfg.structuredOutput().asMap()));
    }
    return m;
  }

  /** Frees the broadcasts (and the driver's copy of the weights if this run resolved them). */
  @Override
  public void close() {
    for (Broadcast<?> b : broadcasts) {
      b.destroy();
    }
    if (ownsModel) {
      model.close();
    }
  }
}
