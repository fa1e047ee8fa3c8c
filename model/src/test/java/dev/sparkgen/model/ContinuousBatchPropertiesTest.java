package dev.sparkgen.model;

import static dev.sparkgen.model.TinyModels.maxDiff;
import static dev.sparkgen.model.TinyModels.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.TinyModels.Named;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Continuous batches and chunked prefill on random models of every tiny shape (sliding windows,
 * longrope rows crossing their switch, q/k norms, soft-capping): a row admitted into a running
 * batch, moved with its neighbours, reusing a stored prefix or prefilled in chunks gets the
 * logits it gets alone.
 */
class ContinuousBatchPropertiesTest {
  static final double TOLERANCE = DecodingPropertiesTest.TOLERANCE;
  static final double DISTINCT = DecodingPropertiesTest.DISTINCT;

  static Stream<Arguments> modelsAndChunks() {
    List<Arguments> out = new ArrayList<>();
    for (Named m : TinyModels.all()) {
      out.add(Arguments.of(m, 0));
      out.add(Arguments.of(m, 3));
    }
    return out.stream();
  }

  /** One sequence to run: a prompt, then tokens fed one per step (teacher forcing). */
  record Job(int[] prompt, int[] next, int shared) {}

  /**
   * Nine jobs through a batch of three rows sized for 4-token prompts and 6 new tokens (15 slots):
   * rows are replaced as their jobs end, prompts up to 13 tokens arrive later than shorter ones
   * (every row moves up), runs of up to 16 steps fill the cache (rows move down, the cache grows),
   * two jobs share a 6-token prefix with an earlier one (stored and reused), and the tiny Phi-3
   * rows cross longrope's switch at 6 tokens both while decoding and within a prompt. Each job's
   * logits, call by call, equal the job decoded alone in a static batch.
   */
  @ParameterizedTest(name = "{0} chunk {1}")
  @MethodSource("modelsAndChunks")
  void admittedRowsEqualEachRowAlone(Named m, int chunk) {
    SplittableRandom r = new SplittableRandom(21);
    try (CausalLm lm = TinyModels.model(m.config(), 5)) {
      int vocab = lm.vocabSize();
      int[] prefix = tokens(r, 6, vocab);
      List<Job> jobs = List.of(
          new Job(tokens(r, 3, vocab), tokens(r, 4, vocab), 0),
          new Job(concat(prefix, tokens(r, 2, vocab)), tokens(r, 9, vocab), 6),
          new Job(tokens(r, 1, vocab), tokens(r, 2, vocab), 0),
          new Job(tokens(r, 13, vocab), tokens(r, 5, vocab), 0),
          new Job(concat(prefix, tokens(r, 4, vocab)), tokens(r, 16, vocab), 6),
          new Job(tokens(r, 5, vocab), tokens(r, 0, vocab), 0),
          new Job(concat(prefix, tokens(r, 1, vocab)), tokens(r, 7, vocab), 6),
          new Job(tokens(r, 2, vocab), tokens(r, 12, vocab), 0),
          new Job(tokens(r, 9, vocab), tokens(r, 3, vocab), 0));
      List<List<float[]>> got = runContinuous(lm, jobs, 3, chunk, true);
      for (int j = 0; j < jobs.size(); j++) {
        List<float[]> alone = runAlone(lm, jobs.get(j));
        assertEquals(alone.size(), got.get(j).size(), "calls of job " + j);
        for (int c = 0; c < alone.size(); c++) {
          double d = maxDiff(alone.get(c), got.get(j).get(c));
          assertTrue(d <= TOLERANCE, m + " job " + j + ", call " + c + ": continuous vs alone differ by " + d);
        }
      }
      assertTrue(maxDiff(got.get(0).get(0), got.get(1).get(0)) > DISTINCT, "jobs should differ from each other");
    }
  }

  /**
   * Random streams of 40 jobs (prompts of 1 to 18 tokens, a third of them after a shared 6-token
   * prefix; 0 to 25 fed tokens) through batches of 2 to 6 rows: rows replaced at random times,
   * moved up and down, the cache grown, prefixes reused; every call's logits equal the job alone.
   */
  @ParameterizedTest(name = "seed {0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void randomJobStreamsEqualEachJobAlone(int seed) {
    SplittableRandom r = new SplittableRandom(seed);
    try (CausalLm lm = TinyModels.model(TinyModels.all().get(0).config(), 5)) {
      int vocab = lm.vocabSize();
      int[] prefix = tokens(r, 6, vocab);
      List<Job> jobs = new ArrayList<>();
      for (int j = 0; j < 40; j++) {
        boolean shares = r.nextInt(3) == 0;
        int[] own = tokens(r, 1 + r.nextInt(18), vocab);
        jobs.add(new Job(shares ? concat(prefix, own) : own, tokens(r, r.nextInt(26), vocab), shares ? 6 : 0));
      }
      List<List<float[]>> got = runContinuous(lm, jobs, 2 + r.nextInt(5), 0, true);
      for (int j = 0; j < jobs.size(); j++) {
        List<float[]> alone = runAlone(lm, jobs.get(j));
        for (int c = 0; c < alone.size(); c++) {
          double d = maxDiff(alone.get(c), got.get(j).get(c));
          assertTrue(d <= TOLERANCE, "seed " + seed + " job " + j + ", call " + c + ": continuous vs alone differ by " + d);
        }
      }
    }
  }

  /** The memory estimate's slots are what a continuous batch allocates. */
  @org.junit.jupiter.api.Test
  void continuousBatchAllocatesTheSlotsTheMemoryEstimateCounts() {
    try (CausalLm lm = TinyModels.model(TinyModels.all().get(0).config(), 1);
        LmBatch batch = new LmBatch(lm, 3, 9, 20, 0)) {
      dev.sparkgen.model.generate.GenerationConfig g = dev.sparkgen.model.generate.GenerationConfig.fromMap(
          java.util.Map.of("max_new_tokens", "20"), dev.sparkgen.model.generate.GenerationConfig.defaults());
      dev.sparkgen.model.generate.BatchMemory m = dev.sparkgen.model.generate.BatchMemory.of(lm.config(), g,
          dev.sparkgen.model.generate.Scheduler.CONTINUOUS, 3, 9, false);
      assertEquals(m.slots(), batch.capacity());
      assertEquals(3, m.rows());
    }
  }

  /** Shared-prefix reuse changes nothing but the work: the same logits with and without it. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sparkgen.model.DecodingPropertiesTest#models")
  void reusedPrefixesEqualRecomputedOnes(Named m) {
    SplittableRandom r = new SplittableRandom(22);
    try (CausalLm lm = TinyModels.model(m.config(), 6)) {
      int vocab = lm.vocabSize();
      int[] prefix = tokens(r, 7, vocab);
      List<Job> jobs = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        int[] prompt = i == 3 ? prefix.clone() : concat(prefix, tokens(r, 1 + i, vocab)); // job 3 is the prefix alone
        jobs.add(new Job(prompt, tokens(r, 3, vocab), 7));
      }
      long[] reused = new long[1];
      List<List<float[]>> with = runContinuous(lm, jobs, 2, 0, true, reused);
      List<List<float[]>> without = runContinuous(lm, jobs, 2, 0, false);
      assertTrue(reused[0] >= 3 * 7, "the prefix should have been reused, reused tokens: " + reused[0]);
      for (int j = 0; j < jobs.size(); j++) {
        for (int c = 0; c < with.get(j).size(); c++) {
          double d = maxDiff(without.get(j).get(c), with.get(j).get(c));
          assertTrue(d <= TOLERANCE, m + " job " + j + ", call " + c + ": reused vs recomputed prefix differ by " + d);
        }
      }
    }
  }

  /**
   * Prefill in chunks of 1, 2, 3 and 7 tokens gives the logits of one whole-prompt call at every
   * position, alone and in a left-padded static batch followed by decode steps.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sparkgen.model.DecodingPropertiesTest#models")
  void chunkedPrefillEqualsWholePrefill(Named m) {
    SplittableRandom r = new SplittableRandom(23);
    try (CausalLm lm = TinyModels.model(m.config(), 7)) {
      int vocab = lm.vocabSize();
      int[] prompt = tokens(r, 17, vocab);
      float[][] whole = lm.allLogits(prompt);
      for (int chunk : new int[] {1, 2, 3, 7}) {
        float[][] chunked = lm.allLogits(prompt, chunk);
        for (int t = 0; t < prompt.length; t++) {
          double d = maxDiff(whole[t], chunked[t]);
          assertTrue(d <= TOLERANCE, m + " chunk " + chunk + ", position " + t + ": differ by " + d);
        }
      }
      List<int[]> prompts = List.of(tokens(r, 9, vocab), tokens(r, 2, vocab), tokens(r, 6, vocab));
      int[][] next = {tokens(r, 3, vocab), tokens(r, 3, vocab), tokens(r, 3, vocab)};
      try (LmBatch plain = new LmBatch(lm, prompts, 3, 0); LmBatch chunked = new LmBatch(lm, prompts, 3, 4)) {
        float[][] a = plain.prefill();
        float[][] b = chunked.prefill();
        for (int call = 0; ; call++) {
          for (int row = 0; row < prompts.size(); row++) {
            double d = maxDiff(a[row], b[row]);
            assertTrue(d <= TOLERANCE, m + " batch row " + row + ", call " + call + ": chunked vs whole differ by " + d);
          }
          if (call == next.length) {
            break;
          }
          a = plain.step(next[call]);
          b = chunked.step(next[call]);
        }
      }
    }
  }

  private static List<List<float[]>> runContinuous(CausalLm lm, List<Job> jobs, int rows, int chunk, boolean reuse) {
    return runContinuous(lm, jobs, rows, chunk, reuse, new long[1]);
  }

  /**
   * Runs the jobs, in order, through one continuous batch of {@code rows} rows: a job takes the
   * first free row, is admitted (its first logits), then gets one logits row per token it feeds.
   */
  private static List<List<float[]>> runContinuous(CausalLm lm, List<Job> jobs, int rows, int chunk, boolean reuse,
      long[] reused) {
    List<List<float[]>> out = new ArrayList<>();
    jobs.forEach(j -> out.add(new ArrayList<>()));
    Deque<Integer> queue = new ArrayDeque<>();
    for (int j = 0; j < jobs.size(); j++) {
      queue.add(j);
    }
    int[] jobAt = new int[rows];
    int[] fed = new int[rows]; // tokens of its job each row has fed
    Arrays.fill(jobAt, -1);
    try (LmBatch batch = new LmBatch(lm, rows, 4, 6, chunk)) {
      while (true) {
        for (int row = 0; row < rows; row++) {
          while (jobAt[row] < 0 || fed[row] == jobs.get(jobAt[row]).next().length) {
            if (queue.isEmpty()) {
              jobAt[row] = -1;
              break;
            }
            int j = queue.poll();
            Job job = jobs.get(j);
            out.get(j).add(batch.admit(new int[] {row}, job.prompt(), reuse ? job.shared() : 0));
            jobAt[row] = j;
            fed[row] = 0;
          }
        }
        int live = (int) Arrays.stream(jobAt).filter(j -> j >= 0).count();
        if (live == 0) {
          break;
        }
        if (live < rows) { // no job left for some rows: they leave
          int[] keep = new int[live];
          for (int row = 0, k = 0; row < rows; row++) {
            if (jobAt[row] >= 0) {
              keep[k++] = row;
            }
          }
          batch.select(keep);
          int[] jobs2 = new int[live];
          int[] fed2 = new int[live];
          for (int k = 0; k < live; k++) {
            jobs2[k] = jobAt[keep[k]];
            fed2[k] = fed[keep[k]];
          }
          jobAt = jobs2;
          fed = fed2;
          rows = live;
        }
        int[] tokens = new int[rows];
        for (int row = 0; row < rows; row++) {
          tokens[row] = jobs.get(jobAt[row]).next()[fed[row]++];
        }
        float[][] logits = batch.step(tokens);
        for (int row = 0; row < rows; row++) {
          out.get(jobAt[row]).add(logits[row]);
        }
      }
      reused[0] = batch.reusedTokens();
    }
    return out;
  }

  /** The job alone in a static batch: its prefill logits, then one row per fed token. */
  private static List<float[]> runAlone(CausalLm lm, Job job) {
    List<float[]> out = new ArrayList<>();
    try (DecodeBatch batch = lm.open(List.of(job.prompt()), job.next().length)) {
      out.add(batch.prefill()[0]);
      for (int t : job.next()) {
        out.add(batch.step(new int[] {t})[0]);
      }
    }
    return out;
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
