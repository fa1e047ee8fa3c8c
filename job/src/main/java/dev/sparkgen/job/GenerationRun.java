package dev.sparkgen.job;

import com.google.gson.GsonBuilder;
import dev.sparkgen.job.chat.ChatPrompts;
import dev.sparkgen.job.chat.ChatSetup;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ModelIdentity;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.job.exec.OutputColumns;
import dev.sparkgen.job.exec.PartitionGenerator;
import dev.sparkgen.job.exec.ProgressCounters;
import dev.sparkgen.job.exec.PromptPreparer;
import dev.sparkgen.job.exec.RowSettings;
import dev.sparkgen.job.io.RowPositions;
import dev.sparkgen.model.generate.GenerationConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.ArrayList;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configuration's generation over a {@link ModelShipment}: {@link #apply} turns prompt
 * Datasets into result Datasets (lazily); {@link #modelLoads} and {@link #generationSeconds}
 * report, after an action, how often each executor built the model and how long generation took.
 * A run made by {@link ModelShipment#run} leaves the shipment open; one made by {@link #prepare}
 * ships its own model and closes that shipment when it is closed.
 */
public final class GenerationRun implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationRun.class);
  private final ModelShipment shipment;
  private final boolean ownsShipment;
  private final JobConfig cfg;
  private final ResolvedModel model;
  private final GenerationConfig generation;
  private final CollectionAccumulator<String> loads;
  private final CollectionAccumulator<String> partitionTimes;
  private final SparkSession spark;
  private final ProgressCounters progress;

  GenerationRun(ModelShipment shipment, JobConfig cfg, boolean ownsShipment) {
    shipment.checkSameShipment(cfg);
    this.shipment = shipment;
    this.ownsShipment = ownsShipment;
    this.cfg = cfg;
    this.model = shipment.model();
    this.generation = model.generationFor(cfg);
    this.spark = shipment.spark();
    this.loads = spark.sparkContext().collectionAccumulator("sparkgen model loads");
    this.partitionTimes = spark.sparkContext().collectionAccumulator("sparkgen partition times");
    this.progress = new ProgressCounters(spark.sparkContext().longAccumulator(ProgressCounters.PROMPTS),
        spark.sparkContext().longAccumulator(ProgressCounters.TOKENS));
    LOG.info(cfg.batching().describe(model.checkpoint().config(), generation));
  }

  /** Checks the model, tokenizer and generation settings of {@code cfg}, then ships them for this run alone. */
  public static GenerationRun prepare(SparkSession spark, JobConfig cfg) {
    return own(ModelShipment.prepare(spark, cfg), cfg);
  }

  /** Ships an already resolved model for this run alone (the command line resolves it before Spark starts); the caller closes the model. */
  public static GenerationRun prepare(SparkSession spark, JobConfig cfg, ResolvedModel model) {
    return own(ModelShipment.of(spark, cfg, model), cfg);
  }

  /** As {@link #prepare(SparkSession, JobConfig, ResolvedModel)} with broadcast chunks of {@code chunkBytes} (tests). */
  static GenerationRun prepare(SparkSession spark, JobConfig cfg, ResolvedModel model, int chunkBytes) {
    return own(ModelShipment.of(spark, cfg, model, chunkBytes), cfg);
  }

  private static GenerationRun own(ModelShipment shipment, JobConfig cfg) {
    try {
      return new GenerationRun(shipment, cfg, true);
    } catch (RuntimeException e) {
      shipment.close();
      throw e;
    }
  }

  /** The ids of this run's weight-chunk broadcasts (empty unless weights_distribution=broadcast). */
  List<Long> weightBroadcastIds() {
    return shipment.weightBroadcastIds();
  }

  /** The resolved generation settings of this run: its configuration's keys over the model's own. */
  public GenerationConfig generation() {
    return generation;
  }

  /**
   * The results for {@code prompts}: every input column, then the columns {@link OutputColumns} appends, one
   * row per returned sequence (one row with {@code error} set for a prompt that failed).
   */
  public Dataset<Row> apply(Dataset<Row> prompts) {
    return apply(prompts, true);
  }

  /**
   * As {@link #apply}, but partition for partition: no repartitioning and no position keys (a row
   * without an id is keyed by its prompt). For the SQL function ({@link GenerateTextFunction}), whose
   * rows must stay where the query put them.
   */
  Dataset<Row> applyInPlace(Dataset<Row> prompts) {
    return apply(prompts, false);
  }

  private Dataset<Row> apply(Dataset<Row> prompts, boolean spreadAndKey) {
    return apply(prompts, spreadAndKey, false);
  }

  /** As {@link #applyInPlace}, refusing rows whose own settings ask for more than one sequence. */
  Dataset<Row> applyInPlaceOneSequence(Dataset<Row> prompts) {
    return apply(prompts, false, true);
  }

  private Dataset<Row> apply(Dataset<Row> prompts, boolean spreadAndKey, boolean oneSequence) {
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
    RowSettings rowSettings = oneSequence ? rowSettings(in, names).oneSequence() : rowSettings(in, names);
    StructType outSchema;
    try {
      outSchema = new OutputColumns(cfg.chat()).schema(in);
    } catch (IllegalArgumentException e) {
      throw new SetupException(e.getMessage(), e);
    }
    // Sampling draws from a stream keyed by the row's id, else by its place in the input (RowPositions).
    Dataset<Row> keyed = prompts;
    boolean sampling = generation.doSample() || rowSettings.active(); // a row's own settings may sample
    if (spreadAndKey && !List.of(prompts.columns()).contains(RowPositions.COLUMN) && sampling
        && (id < 0 || in.fields()[id].nullable())) {
      keyed = RowPositions.attach(spark, prompts, "");
    }
    int positions = List.of(keyed.schema().fieldNames()).indexOf(RowPositions.COLUMN);
    Dataset<Row> spread = keyed;
    int partitions = cfg.partitions() > 0 ? cfg.partitions() : spark.sparkContext().defaultParallelism();
    if (spreadAndKey && cfg.clusterByPrefix()) {
      // Range partitioning on the prompt columns sorts prompts lexicographically: prompts that share
      // a prefix are neighbours and land in the same partition, where prefix reuse computes it once.
      List<Column> order = new ArrayList<>();
      for (int c : new int[] {chat.messagesIndex(), ids, text}) {
        if (c >= 0) {
          order.add(functions.col(in.fields()[c].name()));
        }
      }
      spread = keyed.repartitionByRange(partitions, order.toArray(new Column[0]));
    } else if (spreadAndKey && (cfg.partitions() > 0 || keyed.rdd().getNumPartitions() < partitions)) {
      spread = keyed.repartition(partitions);
    }
    PromptPreparer preparer = new PromptPreparer(ids, text, id, cfg.promptIdsColumn(), cfg.promptColumn(),
        cfg.idColumn(), cfg.truncation() == JobConfig.Truncation.LEFT, positions, cfg.addSpecialTokens(), chat);
    PartitionGenerator fn = new PartitionGenerator(shipment.modelSource(), shipment.tokenizerSource(),
        generation, preparer, cfg.batching(), loads,
        cfg.onError() == JobConfig.OnError.FAIL, cfg.fault(), partitionTimes,
        cfg.structuredOutput(), format, rowSettings);
    fn.reportProgress(progress); // live counts for the driver's progress lines (issue 16)
    return spread.mapPartitions(fn, Encoders.row(outSchema));
  }

  /** The per-row settings of generation_params_column, checked against the input's schema. */
  private RowSettings rowSettings(StructType in, List<String> names) {
    String column = cfg.generationParamsColumn();
    if (column.isEmpty()) {
      return RowSettings.none(generation);
    }
    int index = names.indexOf(column);
    if (index < 0) {
      throw new SetupException(RowSettings.KEY + " '" + column + "' is not in the input; its columns are " + names);
    }
    try {
      return RowSettings.of(column, index, in.fields()[index].dataType(), generation);
    } catch (IllegalArgumentException e) {
      throw new SetupException(e.getMessage(), e);
    }
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

  /**
   * The counters executors add to as prompts finish (merged here from finished tasks; a running
   * task's counts reach listeners with its executor's heartbeats).
   */
  public ProgressCounters progress() {
    return progress;
  }

  /** Seconds of generation summed over the partitions run so far (their successful attempts): task-slot seconds. */
  public double taskSeconds() {
    long sum = 0;
    for (String s : partitionTimes.value()) {
      int comma = s.indexOf(',');
      sum += Long.parseLong(s.substring(comma + 1)) - Long.parseLong(s.substring(0, comma));
    }
    return sum / 1e3;
  }

  /** The model's identity. */
  public ModelIdentity identity() {
    return model.identity();
  }

  /** The resolved generation settings by Hugging Face name. */
  public Map<String, Object> generationSettings() {
    return generation.toValues();
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
    if (!cfg.generationParamsColumn().isEmpty()) { // rows may override sparkgen.generation
      m.put("sparkgen.generation_params_column", cfg.generationParamsColumn());
    }
    if (cfg.structuredOutput().active()) {
      m.put("sparkgen.response_format", new GsonBuilder().create().toJson(cfg.structuredOutput().asMap()));
    }
    return m;
  }

  /** Closes the shipment if this run made it ({@link #prepare}); a shipment's own runs leave it open. */
  @Override
  public void close() {
    if (ownsShipment) {
      shipment.close();
    }
  }
}
