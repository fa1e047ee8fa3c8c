package dev.sparkgen.model.bench;

import com.google.gson.GsonBuilder;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.generate.FinishReason;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Generator;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.constraint.ResponseFormat;
import dev.sparkgen.model.generate.constraint.TokenConstraint;
import dev.sparkgen.model.generate.constraint.TokenVocabulary;
import dev.sparkgen.model.generate.logits.ResponseFormatProcessor;
import dev.sparkgen.model.generate.logits.TokenHistory;
import dev.sparkgen.model.tokenizer.TestTokenizers;
import dev.sparkgen.model.tokenizer.Tokenizer;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.RandomWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Structured output's cost: the time to build the token index of the GPT-2 vocabulary (token bytes
 * and trie), to compile a 6-field object schema against it and to compute every state's allowed
 * tokens; then greedy decoding of a GPT-2-small-shaped model (random fp32 weights) at batch 16
 * with and without that schema, after a warm-up run of each, runs interleaved. A program, not a
 * test. Run from the repository root:
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE MAVEN_OPTS=-Xmx6g mvn -o -q -pl model test-compile exec:java \
 *   -Dexec.classpathScope=test -Dexec.mainClass=dev.sparkgen.model.bench.StructuredOutputBenchmark \
 *   -Dexec.args="--runs 3"
 * </pre>
 *
 * <p>Options: {@code --runs N} timed runs of each kind; {@code --batch 16}; {@code --new 64} max
 * new tokens; {@code --threads 1} libtorch threads; {@code --dir bench-out/models/gpt2} the random
 * checkpoint (written there on first use, shared with SpeedBenchmark); {@code --out
 * bench-out/structured.json}. Tokens/s counts every generated token (eos included) over the wall
 * time of {@code Generator.generate}, prefill included; the constrained run's rows stop at eos
 * once their JSON is complete, so it may generate fewer tokens than the free run.
 */
public final class StructuredOutputBenchmark {
  /** The 6-field schema of the target. */
  static final String SCHEMA = """
      {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": 32},
        "email": {"type": "string", "pattern": "^[a-z0-9._]+@[a-z0-9]+\\\\.[a-z]{2,6}$"},
        "age": {"type": "integer"},
        "city": {"type": "string", "maxLength": 24},
        "signup": {"type": "string", "format": "date"},
        "active": {"type": "boolean"}},
       "required": ["name", "email", "age", "city", "signup", "active"], "additionalProperties": false}""";

  private StructuredOutputBenchmark() {}

  public static void main(String[] args) throws IOException {
    Options o = Options.parse(args);
    DjlEnvironment.engine();
    DjlEnvironment.setThreads(o.threads);
    Map<String, Object> json = new LinkedHashMap<>();
    Path tokenizerFile = TestTokenizers.GPT2;

    // 1. The token index: first load in this JVM (what an executor pays once), then warm loads;
    // wall time and this thread's CPU time (the latter is what a quiet machine would show).
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long c0 = mx.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    TokenVocabulary vocabulary = TokenVocabulary.load(tokenizerFile);
    double coldLoad = (System.nanoTime() - t0) / 1e6;
    double coldLoadCpu = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
    double[] warmLoads = new double[3];
    for (int i = 0; i < warmLoads.length; i++) {
      long t = System.nanoTime();
      TokenVocabulary.load(tokenizerFile);
      warmLoads[i] = (System.nanoTime() - t) / 1e6;
    }
    long c1 = mx.getCurrentThreadCpuTime();
    long t1 = System.nanoTime();
    TokenConstraint constraint = vocabulary.constraint(ResponseFormat.parse("json_schema:" + SCHEMA), 0);
    double compile = (System.nanoTime() - t1) / 1e6;
    double compileCpu = (mx.getCurrentThreadCpuTime() - c1) / 1e6;
    long c2 = mx.getCurrentThreadCpuTime();
    long t2 = System.nanoTime();
    constraint.precompute();
    double allStates = (System.nanoTime() - t2) / 1e6;
    double allStatesCpu = (mx.getCurrentThreadCpuTime() - c2) / 1e6;
    System.out.printf("GPT-2 vocabulary (%d ids, %d trie nodes): token index %.0f ms first load (%.0f ms CPU), %s ms"
        + " warm%n", vocabulary.size(), vocabulary.trieNodes(), coldLoad, coldLoadCpu, Spread.of(warmLoads).format("%.0f"));
    System.out.printf("6-field schema: compiled in %.0f ms (%.0f ms CPU; %d states), allowed tokens of every state in"
        + " %.0f ms (%.0f ms CPU; %d distinct sets)%n", compile, compileCpu, constraint.states(), allStates, allStatesCpu,
        constraint.distinctSets());
    json.put("token_index_first_load_cpu_ms", coldLoadCpu);
    json.put("schema_compile_cpu_ms", compileCpu);
    json.put("all_states_allowed_tokens_cpu_ms", allStatesCpu);
    json.put("token_index_first_load_ms", coldLoad);
    json.put("token_index_warm_load_ms", Spread.of(warmLoads));
    json.put("trie_nodes", vocabulary.trieNodes());
    json.put("schema_compile_ms", compile);
    json.put("schema_states", constraint.states());
    json.put("all_states_allowed_tokens_ms", allStates);
    json.put("distinct_allowed_sets", constraint.distinctSets());

    // 2. Decoding with and without the schema.
    ModelConfig config = DecodeBenchmark.GPT2_SMALL;
    if (!Files.isRegularFile(o.dir.resolve(HfFolder.WEIGHTS))) {
      HfFolder.save(RandomWeights.create(config, 1), o.dir);
      BenchTokenizers.write(config, o.dir);
    }
    try (CausalLm lm = CausalLm.load(o.dir); Tokenizer tokenizer = Tokenizer.load(tokenizerFile)) {
      List<PromptInput> free = new ArrayList<>();
      List<PromptInput> constrained = new ArrayList<>();
      for (int b = 0; b < o.batch; b++) {
        int[] ids = tokenizer.encode("Customer record number " + b + " as JSON, with name, email, age, city, signup"
            + " date and whether the account is active:");
        free.add(new PromptInput(b, ids));
        constrained.add(new PromptInput(b, ids, vocabulary.constraint(ResponseFormat.parse("json_schema:" + SCHEMA), 0)));
      }
      GenerationConfig greedy = GenerationConfig.fromMap(Map.of("max_new_tokens", String.valueOf(o.newTokens),
          "eos_token_id", "50256"), GenerationConfig.defaults());
      Generator g = new Generator(lm, greedy, tokenizer);
      g.generate(free, o.batch); // warm-up
      g.generate(constrained, o.batch);
      double[] freeTps = new double[o.runs];
      double[] formatTps = new double[o.runs];
      double[] freeMs = new double[o.runs];
      double[] formatMs = new double[o.runs];
      double[] freeCpuTps = new double[o.runs]; // per CPU second of this thread (libtorch's 1 intra-op thread is
      double[] formatCpuTps = new double[o.runs]; // the caller): less sensitive to a shared machine's load
      java.lang.management.ThreadMXBean cpu = mx;
      int freeTokens = 0;
      int formatTokens = 0;
      int eosRows = 0;
      String example = null;
      for (int run = 0; run < o.runs; run++) {
        long ca = cpu.getCurrentThreadCpuTime();
        long a = System.nanoTime();
        List<List<Sequence>> f = g.generate(free, o.batch);
        long b = System.nanoTime();
        long cb = cpu.getCurrentThreadCpuTime();
        List<List<Sequence>> c = g.generate(constrained, o.batch);
        long e = System.nanoTime();
        long ce = cpu.getCurrentThreadCpuTime();
        freeTokens = f.stream().mapToInt(s -> s.get(0).tokenIds().length).sum();
        formatTokens = c.stream().mapToInt(s -> s.get(0).tokenIds().length).sum();
        eosRows = (int) c.stream().filter(s -> s.get(0).finishReason() == FinishReason.EOS).count();
        example = c.get(0).get(0).text();
        freeMs[run] = (b - a) / 1e6;
        formatMs[run] = (e - b) / 1e6;
        freeTps[run] = freeTokens / ((b - a) / 1e9);
        formatTps[run] = formatTokens / ((e - b) / 1e9);
        freeCpuTps[run] = freeTokens / ((cb - ca) / 1e9);
        formatCpuTps[run] = formatTokens / ((ce - cb) / 1e9);
        System.out.printf("run %d: free %d tokens in %.0f ms (%.1f tokens/s, %.1f per CPU s); schema %d tokens in %.0f ms"
            + " (%.1f tokens/s, %.1f per CPU s, %d/%d rows complete); ratio %.2f, by CPU time %.2f%n", run, freeTokens,
            freeMs[run], freeTps[run], freeCpuTps[run], formatTokens, formatMs[run], formatTps[run], formatCpuTps[run],
            eosRows, o.batch, formatTps[run] / freeTps[run], formatCpuTps[run] / freeCpuTps[run]);
      }
      Spread freeSpread = Spread.of(freeTps);
      Spread formatSpread = Spread.of(formatTps);
      double ratio = formatSpread.median() / freeSpread.median();
      double[] pairs = new double[o.runs];
      for (int run = 0; run < o.runs; run++) {
        pairs[run] = formatTps[run] / freeTps[run];
      }
      Spread pairRatio = Spread.of(pairs);
      double[] cpuPairs = new double[o.runs];
      for (int run = 0; run < o.runs; run++) {
        cpuPairs[run] = formatCpuTps[run] / freeCpuTps[run];
      }
      Spread cpuRatio = Spread.of(cpuPairs);
      double maskMicros = maskCost(g, constrained, greedy, lm.vocabSize());
      System.out.printf("%nGPT-2-small shape, fp32, batch %d, greedy, max_new_tokens %d, %d thread(s), %d runs after a"
          + " warm-up%n", o.batch, o.newTokens, o.threads, o.runs);
      System.out.println("| run | tokens | tokens/s (median, min–max) | tokens per CPU second |");
      System.out.println("| --- | --- | --- | --- |");
      System.out.printf("| free text | %d | %s | %s |%n", freeTokens, freeSpread.format("%.1f"),
          Spread.of(freeCpuTps).format("%.1f"));
      System.out.printf("| 6-field schema | %d (%d/%d rows complete) | %s | %s |%n", formatTokens, eosRows, o.batch,
          formatSpread.format("%.1f"), Spread.of(formatCpuTps).format("%.1f"));
      System.out.printf("constrained / free tokens/s: %.2f (target >= 0.80); per interleaved pair: %s; by CPU time per"
          + " pair: %s%n", ratio, pairRatio.format("%.2f"), cpuRatio.format("%.2f"));
      System.out.printf("the format's own work per row and step (mask + eos rule on a [%d] row, states of a"
          + " constrained run): %.1f us, %.1f ms per batch-%d step%nexample: %s%n", lm.vocabSize(), maskMicros,
          maskMicros * o.batch / 1000, o.batch, example);
      json.put("batch", o.batch);
      json.put("max_new_tokens", o.newTokens);
      json.put("threads", o.threads);
      json.put("free_tokens_per_s", freeSpread);
      json.put("schema_tokens_per_s", formatSpread);
      json.put("free_tokens", freeTokens);
      json.put("schema_tokens", formatTokens);
      json.put("schema_rows_complete", eosRows);
      json.put("ratio", ratio);
      json.put("pair_ratios", pairRatio);
      json.put("free_tokens_per_cpu_s", Spread.of(freeCpuTps));
      json.put("schema_tokens_per_cpu_s", Spread.of(formatCpuTps));
      json.put("cpu_pair_ratios", cpuRatio);
      json.put("mask_us_per_row_step", maskMicros);
      json.put("example", example);
    }
    Path out = Path.of(o.out);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(json));
    System.out.println("wrote " + out);
  }

  /**
   * Median microseconds of the response-format processor on one row's scores, over the states a
   * constrained run passes through (its rows replayed token by token).
   */
  private static double maskCost(Generator g, List<PromptInput> prompts, GenerationConfig config, int vocab) {
    List<List<Sequence>> runs = g.generate(prompts, prompts.size());
    ResponseFormatProcessor processor = new ResponseFormatProcessor(config.eosTokenId());
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
    float[] scores = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      scores[i] = (float) rnd.nextDouble();
    }
    List<Double> micros = new ArrayList<>();
    for (int rep = 0; rep < 3; rep++) { // the first pass warms up the JIT; all are kept (medians)
      for (int p = 0; p < prompts.size(); p++) {
        TokenHistory h = new TokenHistory(prompts.get(p).tokenIds(), prompts.get(p).constraint());
        for (int token : runs.get(p).get(0).tokenIds()) {
          float[] row = scores.clone();
          long t = System.nanoTime();
          processor.process(h, row);
          micros.add((System.nanoTime() - t) / 1e3);
          h.append(token);
        }
      }
    }
    return Spread.of(micros.stream().mapToDouble(Double::doubleValue).toArray()).median();
  }

  /** Command-line options with their defaults. */
  private static final class Options {
    int runs = 3;
    int batch = 16;
    int newTokens = 64;
    int threads = 1;
    Path dir = Path.of("bench-out/models/gpt2");
    String out = "bench-out/structured.json";

    static Options parse(String[] args) {
      Options o = new Options();
      BenchArgs.forEach(args, (name, v) -> {
        switch (name) {
          case "--runs" -> o.runs = Integer.parseInt(v);
          case "--batch" -> o.batch = Integer.parseInt(v);
          case "--new" -> o.newTokens = Integer.parseInt(v);
          case "--threads" -> o.threads = Integer.parseInt(v);
          case "--dir" -> o.dir = Path.of(v);
          case "--out" -> o.out = v;
          default -> throw new IllegalArgumentException("unknown option " + name
              + " (known: --runs, --batch, --new, --threads, --dir, --out)");
        }
      });
      return o;
    }
  }
}
