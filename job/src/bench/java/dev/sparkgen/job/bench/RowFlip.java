package dev.sparkgen.job.bench;

import com.google.gson.Gson;
import dev.sparkgen.job.exec.RowKey;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.DjlEnvironment;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.logits.LogitsPipeline;
import dev.sparkgen.model.generate.logits.TokenHistory;
import dev.sparkgen.model.generate.search.InverseCdf;
import dev.sparkgen.model.generate.search.SeededUniforms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Where two runs of {@link WorkloadBenchmark} part on one row, and why: reads two of its token
 * files ({@code bench-out/workload-tokens-*.json}), finds the row's first differing token,
 * recomputes the row's logits there alone (a static batch of one, the first run's tokens as
 * context), and prints the draw (the row's uniform against the cumulative weights of both tokens),
 * top-p's cut among top-k's candidates (ascending probabilities) and the logits ranked 48 to 53
 * around top-k's 50th. A program, not a test; from the repository root, with the job's test class
 * path (model/bench/README.md):
 *
 * <pre>
 * java -cp ... dev.sparkgen.job.bench.RowFlip bench-out/models/gpt2 159 \
 *   bench-out/workload-tokens-gpt2-all-static.json bench-out/workload-tokens-gpt2-all-continuous-prefix-reuse-on.json
 * </pre>
 *
 * <p>Arguments: the model folder, the row id, the two token files, then optionally the eos id
 * (42025) and the number of prompts (512) the runs had; the workload's other defaults (64-token
 * prefix, 8 to 96 tokens, seed 14).
 */
public final class RowFlip {
  public static void main(String[] args) throws Exception {
    DjlEnvironment.setThreads(1);
    String id = args[1];
    Map<String, List<Double>> a = new Gson().fromJson(Files.readString(Path.of(args[2])), Map.class);
    Map<String, List<Double>> b = new Gson().fromJson(Files.readString(Path.of(args[3])), Map.class);
    int[] x = a.get(id).stream().mapToInt(Double::intValue).toArray();
    int[] y = b.get(id).stream().mapToInt(Double::intValue).toArray();
    int at = 0;
    while (x[at] == y[at]) {
      at++;
    }
    Map<String, String> o = new LinkedHashMap<>(Map.of("--prefix", "64", "--min", "8", "--max", "96"));
    int eos = args.length > 4 ? Integer.parseInt(args[4]) : 42025;
    int n = args.length > 5 ? Integer.parseInt(args[5]) : 512;
    int vocab = dev.sparkgen.model.weights.HfFolder.readConfig(Path.of(args[0]).toAbsolutePath()).vocabSize();
    int[] prompt = WorkloadBenchmark.workload(n, o, vocab, eos, 14).get(Integer.parseInt(id));
    int[] context = Arrays.copyOf(prompt, prompt.length + at);
    System.arraycopy(x, 0, context, prompt.length, at);
    GenerationConfig config = GenerationConfig.fromMap(Map.of("do_sample", "true", "temperature", "0.8", "top_p", "0.95",
        "max_new_tokens", "128", "seed", "14", "eos_token_id", String.valueOf(eos)), GenerationConfig.defaults());
    float[] logits;
    try (CausalLm lm = CausalLm.load(Path.of(args[0]).toAbsolutePath()); DecodeBatch batch = lm.open(List.of(context), 1)) {
      logits = batch.prefill()[0];
    }
    TokenHistory history = new TokenHistory(prompt);
    for (int i = 0; i < at; i++) {
      history.append(x[i]);
    }
    float[] scores = LogitsPipeline.forConfig(config).apply(history, logits.clone());
    DoubleSupplier uniforms = new SeededUniforms(14).stream(RowKey.of(Long.parseLong(id)), 0);
    double u = 0;
    for (int i = 0; i <= at; i++) {
      u = uniforms.getAsDouble();
    }
    double[] w = InverseCdf.weights(scores);
    double total = Arrays.stream(w).sum();
    double target = u * total;
    double cumulative = 0;
    int kept = 0;
    for (int i = 0; i < w.length; i++) {
      if (w[i] > 0) {
        kept++;
        double before = cumulative;
        cumulative += w[i];
        if (i == x[at] || i == y[at]) {
          System.out.printf("token %d: cumulative weight [%.9f, %.9f) of total %.6f; target %.9f%n", i, before / total,
              cumulative / total, total, target / total);
        }
      }
    }
    // top-p's cut: softmax of the temperature-scaled logits, ascending; tokens with cumulative <= 1 - top_p go
    double[] p = InverseCdf.probabilities(LogitsPipeline.forConfig(GenerationConfig.fromMap(Map.of("do_sample", "true",
        "temperature", "0.8", "top_k", "50"), GenerationConfig.defaults())).apply(history, logits.clone()));
    Integer[] order = new Integer[p.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (i, j) -> Double.compare(p[i], p[j]));
    double c = 0;
    for (int k = 0; k < order.length; k++) {
      c += p[order[k]];
      if (p[order[k]] > 0 && c < 0.12) {
        System.out.printf("  ascending #%d token %d p %.6f cumulative %.8f%s%n", k, order[k], p[order[k]], c, c <= 0.05 ? " (cut)" : "");
      }
    }
    Integer[] byLogit = new Integer[logits.length];
    Arrays.setAll(byLogit, i -> i);
    Arrays.sort(byLogit, (i, j) -> Float.compare(logits[j], logits[i]));
    for (int k = 47; k < 53; k++) {
      System.out.printf("  rank %d: token %d logit %.8f%n", k + 1, byLogit[k], logits[byLogit[k]]);
    }
    System.out.printf("row %s parts at generated token %d: %d vs %d; alone draws %d; tokens kept by top-p %d; logit"
        + " of the two %.7f %.7f%n", id, at, x[at], y[at], InverseCdf.draw(scores, u), kept, logits[x[at]], logits[y[at]]);
  }
}
