package dev.sparkgen.job.config;

import static dev.sparkgen.job.config.parse.ValueParsers.bool;
import static dev.sparkgen.job.config.parse.ValueParsers.bytes;
import static dev.sparkgen.job.config.parse.ValueParsers.choice;
import static dev.sparkgen.job.config.parse.ValueParsers.integer;
import static dev.sparkgen.job.config.parse.ValueParsers.nonEmpty;
import static dev.sparkgen.job.config.parse.ValueParsers.seconds;

import dev.sparkgen.job.chat.ChatSettings;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.exec.Batching;
import dev.sparkgen.job.exec.FaultHook;
import dev.sparkgen.job.exec.StructuredOutput;
import dev.sparkgen.model.generate.BatchMemory;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Scheduler;
import java.io.Serializable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The job's validated settings. Build it with {@link #of} (API) or from the command line; every
 * value is checked here, before Spark starts, with the key and value in each message.
 *
 * @param tokenizer empty = the model folder's tokenizer.json, if any
 * @param inputFormat null = inferred from the input's extension
 * @param generationParamsColumn a column of per-row generation settings (map or JSON object), empty = none
 * @param partitions 0 = Spark's default parallelism
 * @param master empty = spark-submit's, else local[*]
 * @param batchSize rows per batch, or 0 for auto (see {@link Batching})
 * @param maxBatchMemory bytes one batch may need on an executor (see {@link BatchMemory})
 * @param slices mode=resume: the slices the input is committed in
 * @param progressInterval seconds between progress lines; 0 = none
 * @param dryRun rows to generate for a plan (nothing written); 0 = a real run
 * @param scheduler continuous batching or static batches (beam search is always static)
 * @param prefixMinTokens shared-prefix reuse's minimum prefix length in tokens, 0 = off
 * @param clusterByPrefix range-partition the prompts by their tokens or text, so that prompts
 *     sharing a prefix meet in one partition
 * @param fault the testing hook ({@link FaultHook#OFF} unless set)
 * @param addSpecialTokens tokenise text prompts with the tokenizer's post-processor (HF {@code tokenizer(text)})
 * @param skipBlank drop blank prompts (counted in the summary); null = true for text input, else false
 * @param inputOptions Spark reader options ({@code input_option.<name>}), by option name
 * @param sparkUi start Spark's UI; null = off on local masters, Spark's setting elsewhere
 * @param chat conversations, chat templates and generated-text settings ({@link ChatSettings})
 * @param generation the generation keys that were set (Hugging Face names, raw text), applied over
 *     the model's own generation settings
 * @param structuredOutput response_format and its companion keys
 */
public record JobConfig(
    String model,
    String tokenizer,
    String input,
    InputFormat inputFormat,
    String promptColumn,
    String promptIdsColumn,
    String idColumn,
    String generationParamsColumn,
    String output,
    OutputFormat outputFormat,
    WriteMode mode,
    int slices,
    double progressInterval,
    int dryRun,
    int batchSize,
    int partitions,
    String master,
    WeightsDistribution weightsDistribution,
    OnError onError,
    Truncation truncation,
    long maxBatchMemory,
    Scheduler scheduler,
    int prefixMinTokens,
    boolean clusterByPrefix,
    FaultHook fault,
    boolean addSpecialTokens,
    Boolean skipBlank,
    Map<String, String> inputOptions,
    Boolean sparkUi,
    ChatSettings chat,
    Map<String, String> generation,
    StructuredOutput structuredOutput) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The value of {@code batch_size} that sizes batches from max_batch_memory and the prompts' lengths. */
  public static final String AUTO = "auto";

  /** The value of {@code model} that asks for random weights. */
  public static final String RANDOM_MODEL = "random";

  /** Input formats. */
  public enum InputFormat { PARQUET, JSON, CSV, TEXT }

  /** Output formats (json = JSON Lines). */
  public enum OutputFormat { PARQUET, JSON }

  /** What to do when the output exists. */
  public enum WriteMode { ERROR, OVERWRITE, RESUME }

  /**
   * How executors get the weights: the model's files from the driver's RPC file server, the float32
   * image in broadcast chunks, or the model folder at the same path on every executor.
   */
  public enum WeightsDistribution { FILE_SERVER, BROADCAST, FILES }

  /** What a bad row does: becomes an output row with {@code error} set, or stops the job. */
  public enum OnError { CONTINUE, FAIL }

  /** What a prompt with no room left to generate does: is an error row, or keeps its last context - 1 tokens. */
  public enum Truncation { ERROR, LEFT }

  public JobConfig {
    generation = Collections.unmodifiableMap(new LinkedHashMap<>(generation));
    inputOptions = Collections.unmodifiableMap(new LinkedHashMap<>(inputOptions));
  }

  /** Settings from key/value pairs over the built-in defaults (the Java API's entry point). */
  public static JobConfig of(Map<String, String> values) {
    return fromResolved(Settings.resolve(Map.of(), values));
  }

  /** Validates already merged raw values (see {@link Settings#resolve}). */
  public static JobConfig fromResolved(Map<String, String> v) {
    Map<String, String> gen = new LinkedHashMap<>();
    for (Key k : Keys.all()) {
      String value = v.get(k.name());
      if (k.generation() && value != null && (Settings.literal(k.name()) ? !value.isEmpty() : !value.isBlank())) {
        gen.put(k.name(), Settings.literal(k.name()) ? value : value.trim());
      }
    }
    String output = v.get("output").replace("{timestamp}",
        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now()));
    String inputFormat = v.get("input_format");
    Map<String, String> inputOptions = new LinkedHashMap<>();
    v.forEach((key, value) -> {
      if (key.startsWith(Keys.INPUT_OPTION)) {
        inputOptions.put(key.substring(Keys.INPUT_OPTION.length()), value);
      }
    });
    return new JobConfig(
        nonEmpty(v, "model"),
        v.get("tokenizer").trim(),
        v.get("input").trim(),
        inputFormat.isBlank() ? null : choice(v, "input_format", InputFormat.class),
        nonEmpty(v, "prompt_column"),
        nonEmpty(v, "prompt_ids_column"),
        nonEmpty(v, "id_column"),
        v.get("generation_params_column").trim(),
        output.trim(),
        choice(v, "output_format", OutputFormat.class),
        choice(v, "mode", WriteMode.class),
        integer(v, "slices", 1),
        seconds(v, "progress_interval"),
        integer(v, "dry_run", 0),
        batchSize(v),
        integer(v, "partitions", 0),
        v.get("master").trim(),
        choice(v, "weights_distribution", WeightsDistribution.class),
        choice(v, "on_error", OnError.class),
        choice(v, "truncation", Truncation.class),
        bytes(v, "max_batch_memory"),
        scheduler(v),
        integer(v, "prefix_min_tokens", 0),
        bool(v, "cluster_by_prefix"),
        fault(v),
        bool(v, "add_special_tokens"),
        v.get("skip_blank").isBlank() ? null : bool(v, "skip_blank"),
        inputOptions,
        v.get("spark_ui").isBlank() ? null : bool(v, "spark_ui"),
        ChatSettings.from(v),
        gen,
        StructuredOutput.of(v));
  }

  /** Checks what a run needs beyond the value types: an input and an output. */
  public JobConfig requireInputOutput() {
    if (input.isEmpty()) {
      throw new ConfigException("input is not set: give --input=PATH (or input=... in the --conf file)");
    }
    if (output.isEmpty() && dryRun == 0) { // a dry run writes nothing there
      throw new ConfigException("output is not set: give --output=PATH (or output=... in the --conf file)");
    }
    return this;
  }

  /** True for {@code model=random}. */
  public boolean randomModel() {
    return model.equals(RANDOM_MODEL);
  }

  /**
   * The generation settings: the set keys applied over {@code base} (the model's). A bad key or
   * value throws a {@link ConfigException} naming it.
   */
  public GenerationConfig generationOver(GenerationConfig base) {
    try {
      return GenerationConfig.fromMap(generation, base);
    } catch (IllegalArgumentException e) {
      String m = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new ConfigException(m.startsWith("invalid generation setting") ? m : "invalid generation setting: " + m, e);
    }
  }

  /** A copy with other settings layered on top (API convenience). */
  public JobConfig with(Map<String, String> overrides) {
    Map<String, String> values = new LinkedHashMap<>(asMap());
    values.putAll(overrides);
    return of(values);
  }

  /** The settings as key/value text (generation keys only where set). */
  public Map<String, String> asMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("model", model);
    m.put("tokenizer", tokenizer);
    m.put("input", input);
    m.put("input_format", inputFormat == null ? "" : lower(inputFormat));
    m.put("prompt_column", promptColumn);
    m.put("prompt_ids_column", promptIdsColumn);
    m.put("id_column", idColumn);
    m.put("generation_params_column", generationParamsColumn);
    m.put("output", output);
    m.put("output_format", lower(outputFormat));
    m.put("mode", lower(mode));
    m.put("slices", Integer.toString(slices));
    m.put("progress_interval", progressInterval == Math.rint(progressInterval)
        ? Long.toString((long) progressInterval) : Double.toString(progressInterval));
    m.put("dry_run", Integer.toString(dryRun));
    m.put("batch_size", batchSize == 0 ? AUTO : Integer.toString(batchSize));
    m.put("partitions", Integer.toString(partitions));
    m.put("master", master);
    m.put("weights_distribution", lower(weightsDistribution));
    m.put("on_error", lower(onError));
    m.put("truncation", lower(truncation));
    m.put("max_batch_memory", Long.toString(maxBatchMemory));
    m.put("scheduler", scheduler.label());
    m.put("prefix_min_tokens", Integer.toString(prefixMinTokens));
    m.put("cluster_by_prefix", Boolean.toString(clusterByPrefix));
    m.put("fault", fault.kind() == FaultHook.Kind.OFF ? ""
        : lower(fault.kind()) + ":" + String.join(",", fault.partitions().stream().sorted().map(String::valueOf).toList()));
    m.put("add_special_tokens", Boolean.toString(addSpecialTokens));
    m.put("skip_blank", skipBlank == null ? "" : skipBlank.toString());
    inputOptions.forEach((k, val) -> m.put(Keys.INPUT_OPTION + k, val));
    m.put("spark_ui", sparkUi == null ? "" : sparkUi.toString());
    m.putAll(chat.asMap());
    m.putAll(structuredOutput.asMap());
    m.putAll(generation);
    return m;
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  /** Whether blank prompts are dropped for this input format (skip_blank, else true for text only). */
  public boolean skipsBlank(InputFormat format) {
    return skipBlank != null ? skipBlank : format == InputFormat.TEXT;
  }

  /** batch_size: auto (0) or an integer >= 1. */
  private static int batchSize(Map<String, String> v) {
    String s = v.get("batch_size").trim();
    if (s.equalsIgnoreCase(AUTO)) {
      return 0;
    }
    try {
      Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new ConfigException("batch_size='" + s + "': must be auto or an integer >= 1");
    }
    return integer(v, "batch_size", 1);
  }

  private static Scheduler scheduler(Map<String, String> v) {
    try {
      return Scheduler.parse(v.get("scheduler"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("scheduler='" + v.get("scheduler").trim() + "': must be continuous or static");
    }
  }

  /** How partitions batch their prompts (what executors need of these settings). */
  public Batching batching() {
    return new Batching(scheduler, batchSize, maxBatchMemory, prefixMinTokens);
  }

  private static FaultHook fault(Map<String, String> v) {
    try {
      return FaultHook.parse(v.get("fault"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("fault='" + v.get("fault").trim() + "': " + e.getMessage());
    }
  }

}
