package dev.sparkgen.model.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import dev.sparkgen.model.chat.ChatTokenizers;
import dev.sparkgen.model.chat.ModelChatTemplate;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Chat-prompt preparation cost: rows rendered through a real chat template and tokenised, per
 * second, on one thread, for three-turn conversations (user, assistant, user; short turns, and
 * long turns after a system turn). Templates:
 * Llama 3.2 and Qwen2.5 (test resources {@code chat-templates/}); tokenizer: GPT-2's byte-level
 * BPE (50k tokens, as Llama 3 and Qwen use byte-level BPE) with the template's special tokens added,
 * so they encode as single ids. A program, not a test. From the repository root:
 *
 * <pre>
 * mvn -o -q -pl model test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.sparkgen.model.bench.ChatTemplateBenchmark -Dexec.args="--seconds 5"
 * </pre>
 *
 * Prints rows/s for rendering alone, tokenising alone, and both (what a task does per row), and,
 * for comparison, tokenising each whole text with one native call (how {@code Tokenizer} encoded
 * before it cut texts at their added tokens and cached the recurring pieces), all measured in
 * interleaved turns. Options: {@code --seconds N} timed per figure (in 20 turns, after two warm-up turns);
 * {@code --rows N} distinct conversations cycled (default 30000: each row's own turns are new text,
 * as in a job, because the piece cache holds at most 8192 pieces and empties itself when full).
 */
public final class ChatTemplateBenchmark {
  private static final Path TEMPLATES = Path.of("model/src/test/resources/chat-templates");

  private ChatTemplateBenchmark() {}

  public static void main(String[] args) throws Exception {
    double[] seconds = {5};
    int[] rows = {30000};
    BenchArgs.forEach(args, (name, value) -> {
      switch (name) {
        case "--seconds" -> seconds[0] = Double.parseDouble(value);
        case "--rows" -> rows[0] = Integer.parseInt(value);
        default -> throw new IllegalArgumentException("unknown option " + name);
      }
    });
    Path root = Files.isDirectory(TEMPLATES) ? TEMPLATES : Path.of("..").resolve(TEMPLATES);
    System.out.printf("Rows/s on one thread, by thread CPU time (wall-clock rate in brackets; they differ when"
        + " other processes share the cores). Load average at start: %.1f%n%n",
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.printf("| template | conversation | render | tokenise | tokenise whole text (before) | render + tokenise"
        + " | render + tokenise whole text (before) | prompt tokens/row |%n");
    System.out.printf("| --- | --- | --- | --- | --- | --- | --- | --- |%n");
    for (String model : List.of("llama-3.2-instruct", "qwen2.5-instruct")) {
      for (String size : List.of("short", "long")) {
        run(root, model, size, conversations(rows[0], size.equals("long")), seconds[0]);
      }
    }
  }

  private static void run(Path root, String model, String size, List<List<Map<String, Object>>> conversations,
      double seconds) throws IOException {
    {
      Path dir = root.resolve(model);
      ModelChatTemplate template = ModelChatTemplate.load(dir, null);
      Map<String, Object> kwargs = model.startsWith("llama") ? Map.of("date_string", "26 Jul 2024") : Map.of();
      List<String> texts = new ArrayList<>();
      for (List<Map<String, Object>> c : conversations) {
        texts.add(template.apply(c, true, kwargs));
      }
      Path tmp = Files.createTempDirectory("chat-bench");
      Path file = ChatTokenizers.write(tmp, specials(texts.get(0)), null);
      try (Tokenizer tokenizer = Tokenizer.load(file);
          HuggingFaceTokenizer whole = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false"))) {
        long tokens = 0;
        for (String t : texts) {
          int[] ids = tokenizer.encode(t);
          if (!Arrays.equals(ids, wholeIds(whole, t))) {
            throw new AssertionError("cut encoding differs from the whole text's: " + t);
          }
          tokens += ids.length;
        }
        List<java.util.function.IntUnaryOperator> work = List.of(
            i -> template.apply(conversations.get(i % conversations.size()), true, kwargs).length(),
            i -> tokenizer.encode(texts.get(i % texts.size())).length,
            i -> wholeIds(whole, texts.get(i % texts.size())).length,
            i -> tokenizer.encode(template.apply(conversations.get(i % conversations.size()), true, kwargs)).length,
            i -> wholeIds(whole, template.apply(conversations.get(i % conversations.size()), true, kwargs)).length);
        List<String> rates = interleaved(seconds, work);
        System.out.printf("| %s | %s | %s | %.0f |%n", model, size, String.join(" | ", rates), (double) tokens / texts.size());
      }
    }
  }

  /** One native encode of the whole text, ids only: what {@code Tokenizer.encode} did before cutting texts. */
  private static int[] wholeIds(HuggingFaceTokenizer tokenizer, String text) {
    long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, false);
    try {
      long[] ids = TokenizersLibrary.LIB.getTokenIds(encoding);
      int[] out = new int[ids.length];
      for (int i = 0; i < ids.length; i++) {
        out[i] = (int) ids[i];
      }
      return out;
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
      java.lang.ref.Reference.reachabilityFence(tokenizer);
    }
  }

  /**
   * Rows per second of each of {@code work}, on this thread, measured in turns: after a warm-up,
   * 20 rounds in which each runs for 1/20 of {@code seconds}, so that every variant sees the same
   * share of the machine's ups and downs (this VM is shared). Each figure: "CPU-time rate
   * (wall-clock rate)", from the totals over the rounds.
   */
  private static List<String> interleaved(double seconds, List<java.util.function.IntUnaryOperator> work) {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    int rounds = 20;
    long[] ops = new long[work.size()];
    long[] cpu = new long[work.size()];
    long[] wall = new long[work.size()];
    long sink = 0;
    int[] next = new int[work.size()];
    for (int round = -2; round < rounds; round++) { // two warm-up rounds
      for (int w = 0; w < work.size(); w++) {
        long start = System.nanoTime();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long deadline = start + (long) (seconds * 1e9 / rounds);
        int n = 0;
        while (System.nanoTime() < deadline) {
          for (int k = 0; k < 20; k++) {
            sink += work.get(w).applyAsInt(next[w]++);
            n++;
          }
        }
        if (round >= 0) {
          ops[w] += n;
          cpu[w] += threads.getCurrentThreadCpuTime() - cpuStart;
          wall[w] += System.nanoTime() - start;
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (int w = 0; w < work.size(); w++) {
      out.add(String.format("%,.0f (%,.0f)%s", ops[w] / (cpu[w] / 1e9), ops[w] / (wall[w] / 1e9), sink == 42 ? " " : ""));
    }
    return out;
  }

  /**
   * Seeded three-turn conversations (user, assistant, user) of random words: short ones (about 5,
   * 10 and 5 words), or long ones (about 20, 30 and 15 words) after a system turn of about 8. The
   * first user turn starts with the row number, so no two rows render the same text.
   */
  static List<List<Map<String, Object>>> conversations(int n, boolean longTurns) {
    SplittableRandom r = new SplittableRandom(13);
    String[] words = {"the", "model", "answers", "questions", "about", "Spark", "jobs", "quickly", "and", "well",
        "über", "naïve", "café", "🙂", "data", "rows", "per", "second", "with", "templates"};
    List<List<Map<String, Object>>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Map<String, Object>> c = new ArrayList<>();
      if (longTurns) {
        c.add(Map.of("role", "system", "content", sentence(r, words, 8)));
      }
      c.add(Map.of("role", "user", "content", i + " " + sentence(r, words, longTurns ? 20 : 5)));
      c.add(Map.of("role", "assistant", "content", sentence(r, words, longTurns ? 30 : 10)));
      c.add(Map.of("role", "user", "content", sentence(r, words, longTurns ? 15 : 5)));
      out.add(c);
    }
    return out;
  }

  private static String sentence(SplittableRandom r, String[] words, int meanWords) {
    int n = meanWords / 2 + r.nextInt(meanWords);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
    }
    return s.append('.').toString();
  }

  /** The special-token strings a rendered text of this template contains ({@code <|...|>} and the named ones). */
  static List<String> specials(String sample) {
    List<String> out = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("<\\|[a-z_]+\\|>").matcher(sample);
    while (m.find()) {
      if (!out.contains(m.group())) {
        out.add(m.group());
      }
    }
    return out;
  }
}
