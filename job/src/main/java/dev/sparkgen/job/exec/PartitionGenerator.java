package dev.sparkgen.job.exec;

import dev.sparkgen.job.chat.ChatPrompts;
import dev.sparkgen.job.chat.ChatSettings;
import dev.sparkgen.job.error.BadRowException;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.chat.ReasoningSplit;
import dev.sparkgen.model.generate.BatchMemory;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Generator;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Scheduler;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.constraint.ResponseFormatException;
import dev.sparkgen.model.generate.constraint.TokenConstraint;
import dev.sparkgen.model.generate.constraint.TokenVocabulary;
import dev.sparkgen.model.generate.search.AllTokensFilteredException;
import dev.sparkgen.model.generate.search.ContinuousDecoding;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.CollectionAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs on an executor, once per partition: takes the shared model from the {@link ExecutorCache},
 * sizes its batches from the partition's longest prompt ({@link Batching}), then generates lazily,
 * as Spark pulls rows: under the continuous scheduler one {@link ContinuousDecoding} run whose
 * prompts come out as they complete, under the static one the {@link Generator#batches batches}
 * the generator plans (prompts x samples or beams), batch by batch. It emits one row per returned
 * sequence: num_return_sequences rows per input row, always. A prompt whose rows alone would
 * need more than max_batch_memory is an error row. A failing batch (or continuous run) is
 * retried prompt by prompt, alone, so only the prompts that fail alone get an error. A bad row gets that many rows with {@code error} set (sample_index
 * 0..n-1), or, with {@code failOnError}, fails the task with a {@link BadRowException} naming it.
 * A row with a response format ({@link StructuredOutput}) is generated under its constraint; one
 * that ends without a complete text carries an error unless on_incomplete=keep. A row with its own
 * generation settings ({@link RowSettings}, generation_params_column) is generated with them, in
 * batches with the other rows where the settings allow; it gets its own num_return_sequences rows,
 * and a bad entry makes its error rows (as many as the job's num_return_sequences).
 */
public final class PartitionGenerator implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PartitionGenerator.class);

  private final ModelSource modelSource;
  private final TokenizerSource tokenizerSource;
  private final GenerationConfig config;
  private final PromptPreparer preparer;
  private final Batching batching;
  private final CollectionAccumulator<String> loads;
  private final boolean failOnError;
  private final FaultHook fault;
  private final CollectionAccumulator<String> times;
  private final StructuredOutput structured;
  private final int formatColumn; // index of response_format_column, -1 if none
  private final OutputColumns columns;
  private final RowSettings rowSettings;
  private ProgressCounters progress; // null: none reported

  /**
   * {@code loads} collects "executorId=loads" after each partition; {@code tokenizerSource} may be
   * null; {@code fault} is {@link FaultHook#OFF} outside tests; {@code times} collects each finished
   * partition's "startMillis,endMillis" (epoch ms, from its first prompt to its last row); {@code
   * formatColumn} is the index of response_format_column in the input rows, -1 if none.
   */
  public PartitionGenerator(ModelSource modelSource, TokenizerSource tokenizerSource, GenerationConfig config,
      PromptPreparer preparer, Batching batching, CollectionAccumulator<String> loads, boolean failOnError, FaultHook fault,
      CollectionAccumulator<String> times, StructuredOutput structured, int formatColumn) {
    this(modelSource, tokenizerSource, config, preparer, batching, loads, failOnError, fault, times, structured,
        formatColumn, RowSettings.none(config));
  }

  /** As above, with per-row generation settings over {@code config} ({@link RowSettings}). */
  public PartitionGenerator(ModelSource modelSource, TokenizerSource tokenizerSource, GenerationConfig config,
      PromptPreparer preparer, Batching batching, CollectionAccumulator<String> loads, boolean failOnError,
      FaultHook fault, CollectionAccumulator<String> times, StructuredOutput structured, int formatColumn,
      RowSettings rowSettings) {
    this.modelSource = modelSource;
    this.tokenizerSource = tokenizerSource;
    this.config = config;
    this.preparer = preparer;
    this.batching = batching;
    this.loads = loads;
    this.failOnError = failOnError;
    this.fault = fault;
    this.times = times;
    this.structured = structured;
    this.formatColumn = formatColumn;
    this.columns = new OutputColumns(preparer.chat().settings());
    this.rowSettings = rowSettings;
  }

  /** Reports each finished prompt to {@code counters} as it is ready (live progress); returns this. */
  public PartitionGenerator reportProgress(ProgressCounters counters) {
    this.progress = counters;
    return this;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> input) {
    TaskContext task = TaskContext.get();
    DjlEnvironment.setThreads(task == null ? 1 : Math.max(1, task.cpus())); // 1 intra-op thread per task CPU
    CausalLm model = ExecutorCache.model(modelSource);
    Tokenizer tokenizer = ExecutorCache.tokenizer(tokenizerSource);
    loads.add(executorId() + "=" + ExecutorCache.modelLoads(modelSource.sha256()));
    long startMillis = System.currentTimeMillis(); // after the model load: generation time only
    Generator generator = new Generator(model, config, tokenizer, preparer.chat().settings().skipSpecialTokens())
        .withScheduler(batching.scheduler(), batching.prefixMinTokens());
    int samples = config.numReturnSequences();

    TokenVocabulary vocabulary = structured.active() ? ExecutorCache.vocabulary(tokenizerSource) : null;
    List<PreparedPrompt> good = new ArrayList<>();
    Map<PreparedPrompt, TokenConstraint> formats = new IdentityHashMap<>();
    Map<PreparedPrompt, GenerationConfig> own = new IdentityHashMap<>(); // rows with their own settings
    Deque<Row> ready = new ArrayDeque<>();
    int rowsIn = 0;
    while (input.hasNext()) {
      PreparedPrompt p = preparer.prepare(input.next(), tokenizer, model.vocabSize(), model.maxPositions());
      rowsIn++;
      String error = p.error();
      if (error == null && rowSettings.active()) {
        try {
          GenerationConfig c = rowSettings.of(p.row());
          for (int eos : c.eosTokenId()) { // as the driver checks the job's settings
            if (eos >= model.vocabSize()) {
              throw new IllegalArgumentException(RowSettings.KEY + ": eos_token_id=" + eos
                  + ": outside the model's vocabulary [0, " + model.vocabSize() + ")");
            }
          }
          if (c != config) {
            own.put(p, c);
          }
        } catch (IllegalArgumentException e) {
          error = e.getMessage();
        }
      }
      if (error == null && vocabulary != null) {
        try {
          formats.put(p, structured.constraint(p.row(), formatColumn, vocabulary));
        } catch (ResponseFormatException e) {
          error = (formatColumn >= 0 && !p.row().isNullAt(formatColumn) ? "response_format_column: " : "response_format: ")
              + e.getMessage();
        }
      }
      GenerationConfig mine = own.getOrDefault(p, config); // a row's own max_new_tokens, num_beams, ... size its rows
      if (error == null && batching.memory(model.config(), mine, 1, p.ids().length).total() > batching.maxBatchMemory()) {
        error = "a prompt of " + p.ids().length + " tokens may need "
            + batching.memory(model.config(), mine, 1, p.ids().length).describe() + " for its rows alone, more than"
            + " max_batch_memory=" + BatchMemory.size(batching.maxBatchMemory())
            + "; raise max_batch_memory if the executors have the memory, or lower max_new_tokens";
      }
      if (error == null) {
        good.add(p);
      } else {
        failed(ready, p, error, 0, samples);
      }
    }
    int longest = good.stream().mapToInt(p -> p.ids().length).max().orElse(1);
    int rows = Math.max(1, batching.rows(model.config(), config, longest));
    // Rows with their own settings share batches with the others: size the batches for the most demanding.
    for (GenerationConfig c : memoryDistinct(own.values())) {
      rows = Math.max(1, Math.min(rows, batching.rows(model.config(), c, longest)));
    }
    int partition = task == null ? -1 : task.partitionId();
    if (!batching.auto() && rows < batching.batchSize()) {
      LOG.warn("partition {}: batch_size={} would need {} for its longest prompt ({} tokens), more than"
          + " max_batch_memory={}; using batches of {} rows", partition, batching.batchSize(),
          batching.memory(model.config(), config, batching.batchSize(), longest).describe(), longest,
          BatchMemory.size(batching.maxBatchMemory()), rows);
    }
    LOG.info("partition {}: {} prompts, batches of {} rows ({} scheduler; longest prompt {} tokens, estimate {})",
        partition, good.size(), rows, (own.isEmpty() ? generator.scheduler() : Scheduler.STATIC).label(), longest,
        BatchMemory.size(batching.memory(model.config(), config, rows, longest).total()));
    return new Output(generator, good, formats, own, ready, rowsIn, task, startMillis, rows);
  }

  /** One of each distinct memory-relevant setting (max_new_tokens, rows per prompt, beams) among {@code configs}. */
  private static java.util.Collection<GenerationConfig> memoryDistinct(java.util.Collection<GenerationConfig> configs) {
    Map<List<Integer>, GenerationConfig> out = new java.util.HashMap<>();
    for (GenerationConfig c : configs) {
      out.putIfAbsent(List.of(c.maxNewTokens(), c.numBeams(), c.numReturnSequences()), c);
    }
    return out.values();
  }

  /** Queues error rows for sample indexes [from, samples) of {@code p}, or stops the task under on_error=fail. */
  private void failed(Deque<Row> ready, PreparedPrompt p, String error, int from, int samples) {
    if (failOnError) {
      throw new BadRowException(preparer.name(p.row()) + ": " + error);
    }
    for (int s = from; s < samples; s++) {
      ready.add(columns.errorRow(p.row(), s, error, p.text()));
    }
    if (progress != null && from == 0) { // from > 0: the prompt's generated rows counted it
      progress.prompt(0);
    }
  }

  /** Emits ready rows, generating the next batch when they run out. */
  private final class Output implements Iterator<Row> {
    private final Generator generator;
    private final List<PreparedPrompt> prompts;
    private final List<PromptInput> inputs; // prompts' generator inputs, index for index
    private final Iterator<int[]> batches; // static: indexes into prompts, as the generator plans them
    private ContinuousDecoding run; // continuous: the run over every prompt, until it ends or fails
    private final Deque<Integer> alone = new ArrayDeque<>(); // prompts to retry one by one after a failed run
    private final Map<PreparedPrompt, TokenConstraint> formats; // a row's response format, if any
    private final Deque<Row> ready;
    private final int rowsIn;
    private final TaskContext task;
    private final int partition;
    private final long startMillis;
    private long generatedTokens;
    private int rowsOut;
    private boolean logged;

    Output(Generator generator, List<PreparedPrompt> prompts, Map<PreparedPrompt, TokenConstraint> formats,
        Map<PreparedPrompt, GenerationConfig> own, Deque<Row> ready, int rowsIn, TaskContext task, long startMillis,
        int rows) {
      this.startMillis = startMillis;
      this.generator = generator;
      this.prompts = prompts;
      this.inputs = prompts.stream().map(p -> new PromptInput(p.key(), p.ids(), formats.get(p), own.get(p))).toList();
      // Rows with their own settings are batched statically (Generator.scheduler(List)).
      boolean continuous = generator.scheduler(inputs) == Scheduler.CONTINUOUS;
      this.batches = continuous ? List.<int[]>of().iterator() : generator.batches(inputs, rows).iterator();
      this.run = continuous && !inputs.isEmpty() ? generator.decode(inputs, rows) : null;
      this.formats = formats;
      this.ready = ready;
      this.rowsIn = rowsIn;
      this.task = task;
      this.partition = task == null ? -1 : task.partitionId();
    }

    @Override
    public boolean hasNext() {
      if (rowsOut > 0) {
        fault.fire(task); // after the writer has taken a row (testing hook; off by default)
      }
      while (ready.isEmpty() && produce()) {
        // each call generates until some prompt completes (or one batch)
      }
      if (ready.isEmpty() && !logged) {
        fault.fire(task);
        logged = true;
        long end = System.currentTimeMillis();
        times.add(startMillis + "," + end);
        double s = (end - startMillis) / 1e3;
        LOG.info("partition {} done: {} prompts, {} rows, {} generated tokens in {} s ({} tokens/s)", partition,
            rowsIn, rowsOut, generatedTokens, String.format("%.2f", s), String.format("%.1f", generatedTokens / Math.max(s, 1e-9)));
      }
      return !ready.isEmpty();
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      rowsOut++;
      return ready.poll();
    }

    /** Generates until rows are ready: the continuous run's next prompt, a retried prompt, or a static batch. */
    private boolean produce() {
      if (run != null) {
        ContinuousDecoding.Done d;
        try {
          d = run.next();
        } catch (RuntimeException e) {
          List<Integer> left = run.unfinished();
          run.close();
          run = null;
          LOG.warn("continuous batch failed ({}); retrying its {} unfinished prompts one by one", e.toString(), left.size());
          alone.addAll(left);
          return true;
        }
        if (d == null) {
          run.close();
          run = null;
        } else if (d.error() != null) {
          failed(ready, prompts.get(d.prompt()), why(d.error()), 0, settings(d.prompt()).numReturnSequences());
        } else {
          emit(new int[] {d.prompt()}, List.of(d.sequences()));
        }
        return true;
      }
      if (!alone.isEmpty()) {
        generate(new int[] {alone.poll()});
        return true;
      }
      if (batches.hasNext()) {
        generate(batches.next());
        return true;
      }
      return false;
    }

    /** Generates one batch ({@code batch}: indexes into prompts); a failing batch is retried row by row. */
    private void generate(int[] batch) {
      List<PromptInput> batchInputs = new ArrayList<>(batch.length);
      for (int i : batch) {
        batchInputs.add(inputs.get(i));
      }
      List<List<Sequence>> results;
      try {
        results = generator.generateBatch(batchInputs);
      } catch (RuntimeException e) {
        if (batch.length == 1) {
          failed(ready, prompts.get(batch[0]), why(e), 0, settings(batch[0]).numReturnSequences());
          return;
        }
        // Find the row that broke the batch: each row alone; only the failing ones get an error.
        LOG.warn("batch of {} prompts failed ({}); retrying its rows one by one", batch.length, e.toString());
        for (int i : batch) {
          generate(new int[] {i});
        }
        return;
      }
      emit(batch, results);
    }

    /** The settings prompt {@code i} is generated with: its own, else the job's. */
    private GenerationConfig settings(int i) {
      GenerationConfig c = inputs.get(i).config();
      return c != null ? c : config;
    }

    /** A prompt's error text: sampling with no token left is the row's own fault (HF fails there too), its message alone. */
    private String why(RuntimeException e) {
      return e instanceof AllTokensFilteredException ? e.getMessage() : "generation failed: " + e;
    }

    private void emit(int[] batch, List<List<Sequence>> results) {
      for (int i = 0; i < batch.length; i++) {
        PreparedPrompt p = prompts.get(batch[i]);
        GenerationConfig settings = settings(batch[i]);
        int samples = settings.numReturnSequences();
        List<Sequence> seqs = results.get(i);
        long rowTokens = 0; // this prompt's, over its samples
        for (Sequence s : seqs) {
          rowTokens += s.tokenIds().length;
          generatedTokens += s.tokenIds().length;
          String incomplete = structured.incompleteError(formats.get(p), s, settings.maxNewTokens());
          if (incomplete != null && failOnError) {
            throw new BadRowException(preparer.name(p.row()) + ": " + incomplete);
          }
          ready.add(sequenceRow(p, s, incomplete));
        }
        if (progress != null && !seqs.isEmpty()) {
          progress.prompt(rowTokens);
        }
        if (seqs.size() < samples) { // beam search with -inf scores: still one row per sample
          failed(ready, p, "beam search found " + seqs.size() + " of " + samples + " sequences (the other beams"
              + " scored -inf)", seqs.size(), samples);
        }
      }
    }
  }

  private static String executorId() {
    SparkEnv env = SparkEnv.get();
    return env == null ? "driver" : env.executorId();
  }

  /** A generated row; {@code error} is set only for a row that did not complete its response format. */
  private Row sequenceRow(PreparedPrompt p, Sequence s, String error) {
    ChatSettings chat = preparer.chat().settings();
    ReasoningSplit split = ChatPrompts.split(chat, s.text(), p.opensReasoning());
    String text = split == null ? s.text() : split.content();
    return columns.sequenceRow(p.row(), s, text, p.ids().length, p.text(), split == null ? null : split.reasoning(),
        error);
  }
}
