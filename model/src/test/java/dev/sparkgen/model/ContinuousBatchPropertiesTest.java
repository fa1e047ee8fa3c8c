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
      for (int together : new int[] {1, 3}) {
        out.add(Arguments.of(m, 0, together));
        out.add(Arguments.of(m, 3, together));
      }
    }
    return out.stream();
  }

  static Stream<Arguments> modelsAndChunkSizes() {
    return modelsAndChunks().filter(a -> (int) a.get()[2] == 1).map(a -> Arguments.of(a.get()[0], a.get()[1]));
  }

  /** One sequence to run: a prompt, then tokens fed one per step (teacher forcing). */
  record Job(int[] prompt, int[] next, int shared) {}

  /**
   * Nine jobs through a batch of three rows sized for 4-token prompts and 6 new tokens (15 slots):
   * rows are replaced as their jobs end, prompts up to 13 tokens arrive later than shorter ones
   * (every row moves up), runs of up to 16 steps fill the cache (rows move down, the cache grows),
   * two jobs share a 6-token prefix with an earlier one (stored and reused), and the tiny Phi-3
   * rows cross longrope's switch at 6 tokens both while decoding and within a prompt. Each job's
   * logits, call by call, equal the job decoded alone in a static batch. With {@code together} 3,
   * the jobs taking free rows at the same time are admitted in one call ({@link
   * LmBatch#admit(List)}): prompts of different lengths, a prefix computed in the call and stored,
   * reused prefixes next to plain prompts, short- and long-table Phi-3 prompts in one prefill.
   */
  @ParameterizedTest(name = "{0} chunk {1} together {2}")
  @MethodSource("modelsAndChunks")
  void admittedRowsEqualEachRowAlone(Named m, int chunk, int together) {
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
      long[] stats = new long[3];
      List<List<float[]>> got = runContinuous(lm, jobs, 3, chunk, true, together, stats);
      if (together > 1) {
        assertTrue(stats[1] >= 1, "admission calls with several prompts: " + stats[1]); // the first: 3, 8, 1 tokens
      }
      assertTrue(stats[0] > 0, "the prefix should have been reused");
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
      // Even seeds admit the jobs that find rows free at once together, up to 2 to 6 per call.
      int rows = 2 + r.nextInt(5);
      List<List<float[]>> got = runContinuous(lm, jobs, rows, 0, true, seed % 2 == 0 ? rows : 1, new long[3]);
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
      List<List<float[]>> without = runContinuous(lm, jobs, 2, 0, false);
      for (int together : new int[] {1, 2}) { // one prompt per admission, or two in one call
        long[] stats = new long[3];
        List<List<float[]>> with = runContinuous(lm, jobs, 2, 0, true, together, stats);
        // In pairs, a prompt's prefix tokens beyond the call's width are recomputed with it.
        assertTrue(stats[0] >= (together == 1 ? 3 * 7 : 7), "the prefix should have been reused, reused tokens: "
            + stats[0]);
        for (int j = 0; j < jobs.size(); j++) {
          for (int c = 0; c < with.get(j).size(); c++) {
            double d = maxDiff(without.get(j).get(c), with.get(j).get(c));
            assertTrue(d <= TOLERANCE, m + " together " + together + " job " + j + ", call " + c
                + ": reused vs recomputed prefix differ by " + d);
          }
        }
      }
    }
  }

  /**
   * One admission call of three prompts of different lengths with further samples (copies in other
   * rows): one sharing a stored prefix, one computing a prefix that the third, admitted in the
   * same call, reuses; every row, prefilled and then decoding, equals its prompt alone. A call
   * with a prompt outside the vocabulary among good ones is refused before anything changes (the
   * batch then admits the good ones as if nothing happened), and a call naming a row twice too.
   */
  @ParameterizedTest(name = "{0} chunk {1}")
  @MethodSource("modelsAndChunkSizes")
  void multiPromptAdmissionForksRowsAndRefusesBeforeAnyChange(Named m, int chunk) {
    SplittableRandom r = new SplittableRandom(24);
    try (CausalLm lm = TinyModels.model(m.config(), 8)) {
      int vocab = lm.vocabSize();
      int[] prefix = tokens(r, 6, vocab);
      int[] stored = concat(prefix, tokens(r, 1, vocab)); // admitted first, alone: its prefix goes to the store
      Job a = new Job(concat(prefix, tokens(r, 3, vocab)), tokens(r, 5, vocab), 6); // reuses the stored prefix
      int[] other = tokens(r, 6, vocab);
      Job b = new Job(concat(other, tokens(r, 2, vocab)), tokens(r, 5, vocab), 6); // computes its prefix, stores it
      Job c = new Job(concat(other, tokens(r, 5, vocab)), tokens(r, 5, vocab), 6); // finds b's prefix in the same call
      Job d = new Job(tokens(r, 3, vocab), tokens(r, 5, vocab), 0); // plain, shorter than the call's width
      int[] bad = tokens(r, 4, vocab);
      bad[2] = vocab;
      try (LmBatch batch = new LmBatch(lm, 8, 4, 6, chunk)) {
        float[] first = batch.admit(new int[] {7}, stored, 6);
        assertTrue(maxDiff(runAlone(lm, new Job(stored, new int[0], 0)).get(0), first) <= TOLERANCE);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> batch.admit(List.of(new Admission(new int[] {0, 3}, a.prompt(), 6),
                new Admission(new int[] {1}, bad, 0), new Admission(new int[] {2}, d.prompt(), 0))));
        assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> batch.admit(List.of(new Admission(new int[] {0, 3}, a.prompt(), 6),
                new Admission(new int[] {3}, d.prompt(), 0))));
        assertTrue(e.getMessage().contains("row 3"), e.getMessage());
        long reusedBefore = batch.reusedTokens();
        List<Job> jobs = List.of(a, b, c, d);
        int[][] rowsOf = {{0, 3}, {1}, {2, 4, 5}, {6}};
        List<Admission> call = new ArrayList<>();
        for (int j = 0; j < jobs.size(); j++) {
          call.add(new Admission(rowsOf[j], jobs.get(j).prompt(), jobs.get(j).shared()));
        }
        float[][] got = batch.admit(call);
        assertTrue(batch.reusedTokens() > reusedBefore, "a and c should reuse stored prefixes");
        List<List<float[]>> alone = new ArrayList<>();
        for (int j = 0; j < jobs.size(); j++) {
          alone.add(runAlone(lm, jobs.get(j)));
          double diff = maxDiff(alone.get(j).get(0), got[j]);
          assertTrue(diff <= TOLERANCE, m + " prompt " + j + ": admitted together vs alone differ by " + diff);
        }
        int[] jobOf = {0, 1, 2, 0, 2, 2, 3, -1};
        for (int step = 0; step < 5; step++) {
          int[] next = new int[8];
          for (int row = 0; row < 8; row++) {
            next[row] = jobOf[row] < 0 ? 0 : jobs.get(jobOf[row]).next()[step];
          }
          float[][] logits = batch.step(next);
          for (int row = 0; row < 7; row++) {
            double diff = maxDiff(alone.get(jobOf[row]).get(step + 1), logits[row]);
            assertTrue(diff <= TOLERANCE, m + " row " + row + " step " + step + ": together vs alone differ by " + diff);
          }
        }
        assertTrue(maxDiff(alone.get(1).get(1), alone.get(2).get(1)) > DISTINCT, "prompts should differ");
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
    return runContinuous(lm, jobs, rows, chunk, reuse, 1, new long[3]);
  }

  /**
   * Runs the jobs, in order, through one continuous batch of {@code rows} rows: a job takes the
   * first free row, is admitted (its first logits), then gets one logits row per token it feeds.
   * The jobs that take free rows at the same time are admitted {@code together} per call ({@link
   * LmBatch#admit(List)}; 1: one by one). {@code stats}: reused prefix tokens, admission calls with
   * several prompts, admission calls.
   */
  private static List<List<float[]>> runContinuous(CausalLm lm, List<Job> jobs, int rows, int chunk, boolean reuse,
      int together, long[] stats) {
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
        while (!queue.isEmpty()) { // rounds: a job with nothing to feed frees its row at once
          List<Admission> call = new ArrayList<>();
          List<Integer> callJobs = new ArrayList<>();
          boolean any = false;
          for (int row = 0; row < rows && !queue.isEmpty(); row++) {
            if (jobAt[row] < 0 || fed[row] == jobs.get(jobAt[row]).next().length) {
              int j = queue.poll();
              call.add(new Admission(new int[] {row}, jobs.get(j).prompt(), reuse ? jobs.get(j).shared() : 0));
              callJobs.add(j);
              jobAt[row] = j;
              fed[row] = 0;
              any = true;
              if (call.size() == together) {
                admit(batch, call, callJobs, out, stats);
              }
            }
          }
          if (!any) {
            break; // no free row
          }
          admit(batch, call, callJobs, out, stats);
        }
        for (int row = 0; row < rows; row++) {
          if (jobAt[row] >= 0 && fed[row] == jobs.get(jobAt[row]).next().length) {
            jobAt[row] = -1; // done, and no job left for its row
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
      stats[0] = batch.reusedTokens();
    }
    return out;
  }

  /** Admits {@code call}'s prompts, one by one or in one call, and clears the lists. */
  private static void admit(LmBatch batch, List<Admission> call, List<Integer> callJobs, List<List<float[]>> out,
      long[] stats) {
    if (call.isEmpty()) {
      return;
    }
    if (call.size() == 1) {
      Admission a = call.get(0);
      out.get(callJobs.get(0)).add(batch.admit(a.rows(), a.prompt(), a.sharedPrefix()));
    } else {
      float[][] logits = batch.admit(call);
      for (int i = 0; i < call.size(); i++) {
        out.get(callJobs.get(i)).add(logits[i]);
      }
      stats[1]++;
    }
    stats[2]++;
    call.clear();
    callJobs.clear();
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
