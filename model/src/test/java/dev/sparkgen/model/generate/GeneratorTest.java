package dev.sparkgen.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.generate.logits.LogitsPipeline;
import dev.sparkgen.model.generate.logits.TokenHistory;
import dev.sparkgen.model.generate.search.ContinuousDecoding;
import dev.sparkgen.model.generate.search.InverseCdf;
import dev.sparkgen.model.generate.search.SeededUniforms;
import dev.sparkgen.model.generate.search.StopStrings;
import dev.sparkgen.model.generate.search.TokenSampling;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Batching, stopping and sampling behaviour of {@link Generator} on fake models. */
class GeneratorTest {

  private static GenerationConfig config(String... keyValues) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return GenerationConfig.fromMap(m, GenerationConfig.defaults());
  }

  /** A model whose greedy choice is always last + 1, except that 12 is followed by {@code after12}. */
  private static TableModel counting(int vocab, int maxPositions, int after12) {
    return new TableModel(vocab, maxPositions, seq -> {
      int last = seq[seq.length - 1];
      float[] l = new float[vocab];
      l[last == 12 ? after12 : (last + 1) % vocab] = 5f;
      return l;
    });
  }

  static List<PromptInput> randomPrompts(int n, int vocab, long seed) {
    Random r = new Random(seed);
    List<PromptInput> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] ids = new int[1 + r.nextInt(6)];
      for (int j = 0; j < ids.length; j++) {
        ids[j] = r.nextInt(vocab);
      }
      out.add(new PromptInput(1000L + 37L * i, ids));
    }
    return out;
  }

  /** Results keyed by prompt key, for comparing runs with different orders. */
  private static Map<Long, List<Sequence>> byKey(List<PromptInput> prompts, List<List<Sequence>> results) {
    Map<Long, List<Sequence>> m = new HashMap<>();
    for (int i = 0; i < prompts.size(); i++) {
      m.put(prompts.get(i).key(), results.get(i));
    }
    return m;
  }

  private static void assertSameSequences(List<Sequence> a, List<Sequence> b, String what) {
    assertEquals(a.size(), b.size(), what);
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).tokenIds(), b.get(i).tokenIds(), what + " sample " + i);
      assertEquals(a.get(i).cumulativeLogprob(), b.get(i).cumulativeLogprob(), what + " sample " + i);
      assertEquals(a.get(i).finishReason(), b.get(i).finishReason(), what + " sample " + i);
      assertEquals(a.get(i).sampleIndex(), b.get(i).sampleIndex(), what);
    }
  }

  @Test
  void rowResultsDoNotDependOnBatchCompositionOrOrder() {
    TableModel model = TableModel.seeded(16, 64, 3);
    List<PromptInput> prompts = randomPrompts(13, 16, 9);
    List<PromptInput> shuffled = new ArrayList<>(prompts);
    Collections.shuffle(shuffled, new Random(4));
    for (GenerationConfig c : List.of(
        config("max_new_tokens", "9", "eos_token_id", "0"),
        config("max_new_tokens", "9", "eos_token_id", "0", "do_sample", "true", "top_k", "8", "top_p", "0.9",
            "temperature", "1.5", "num_return_sequences", "3", "seed", "42"),
        config("max_new_tokens", "6", "eos_token_id", "0", "num_beams", "3", "num_return_sequences", "2"))) {
      Generator g = new Generator(model, c, null);
      Map<Long, List<Sequence>> reference = byKey(prompts, g.generate(prompts, 64));
      Map<Long, List<Sequence>> small = byKey(prompts, g.generate(prompts, 3));
      Map<Long, List<Sequence>> reordered = byKey(shuffled, g.generate(shuffled, 7));
      for (PromptInput p : prompts) {
        assertSameSequences(reference.get(p.key()), small.get(p.key()), c + " batch 3, key " + p.key());
        assertSameSequences(reference.get(p.key()), reordered.get(p.key()), c + " shuffled, key " + p.key());
      }
      for (PromptInput p : prompts) { // the same prompt alone
        assertSameSequences(reference.get(p.key()), g.generate(List.of(p), 1).get(0), c + " alone, key " + p.key());
      }
    }
  }

  @Test
  void samplingStreamsDependOnSeedKeyAndSampleIndex() {
    TableModel model = TableModel.seeded(16, 64, 3);
    PromptInput p = new PromptInput(5, new int[] {1, 2});
    List<Sequence> a = new Generator(model, config("do_sample", "true", "num_return_sequences", "4", "seed", "1"), null)
        .generate(List.of(p), 4).get(0);
    List<Sequence> b = new Generator(model, config("do_sample", "true", "num_return_sequences", "4", "seed", "2"), null)
        .generate(List.of(p), 4).get(0);
    assertEquals(List.of(0, 1, 2, 3), a.stream().map(Sequence::sampleIndex).toList());
    long distinctWithinSeed = a.stream().map(s -> java.util.Arrays.toString(s.tokenIds())).distinct().count();
    assertTrue(distinctWithinSeed > 1, "the 4 samples of one row should differ");
    boolean seedsDiffer = false;
    for (int i = 0; i < 4; i++) {
      seedsDiffer |= !java.util.Arrays.equals(a.get(i).tokenIds(), b.get(i).tokenIds());
    }
    assertTrue(seedsDiffer, "another seed should give other samples");
  }

  @Test
  void samplesForkOnePrefillPerPrompt() {
    TableModel model = TableModel.seeded(16, 64, 3);
    GenerationConfig c = config("do_sample", "true", "num_return_sequences", "3", "max_new_tokens", "4");
    new Generator(model, c, null).withScheduler(Scheduler.STATIC, 0).generate(randomPrompts(4, 16, 1), 12);
    assertEquals(List.of(4), model.prefillRows);
    assertEquals(12, model.stepRows.get(0));
    // Continuous: each prompt is admitted once into its three rows.
    TableModel continuous = TableModel.seeded(16, 64, 3);
    new Generator(continuous, c, null).generate(randomPrompts(4, 16, 1), 12);
    assertEquals(List.of(), continuous.prefillRows);
    assertEquals(List.of(3, 3, 3, 3), continuous.admittedRows);
    assertEquals(12, continuous.stepRows.get(0));
  }

  @Test
  void continuousBatchingFillsFreedRowsWithTheNextPrompts() {
    // Greedy counts up to eos 13: a prompt ending in k takes 13 - k tokens.
    TableModel model = counting(20, 64, 13);
    List<PromptInput> prompts = List.of(new PromptInput(1, new int[] {12}), new PromptInput(2, new int[] {10}),
        new PromptInput(3, new int[] {5}), new PromptInput(4, new int[] {11}), new PromptInput(5, new int[] {9}));
    GenerationConfig c = config("eos_token_id", "13", "max_new_tokens", "12");
    List<List<Sequence>> out = new Generator(model, c, null).generate(prompts, 2);
    // 12 ends at admission, so 10 and 5 start together; 10 ends at step 2 and 11 takes its row,
    // 11 ends at step 3 and 9 takes it, 9 ends at step 6; then 5 decodes alone at step 7.
    assertEquals(List.of(1, 1, 1, 1, 1), model.admittedRows);
    assertEquals(List.of(2, 2, 2, 2, 2, 2, 1), model.stepRows);
    int[][] want = {{13}, {11, 12, 13}, {6, 7, 8, 9, 10, 11, 12, 13}, {12, 13}, {10, 11, 12, 13}};
    for (int p = 0; p < want.length; p++) {
      assertArrayEquals(want[p], out.get(p).get(0).tokenIds(), "prompt " + p);
      assertEquals(FinishReason.EOS, out.get(p).get(0).finishReason());
    }
    // Static batches of 2 (by length) wait for their longest row: more steps for the same tokens.
    TableModel fixed = counting(20, 64, 13);
    List<List<Sequence>> staticOut = new Generator(fixed, c, null).withScheduler(Scheduler.STATIC, 0)
        .generate(prompts, 2);
    for (int p = 0; p < want.length; p++) {
      assertArrayEquals(want[p], staticOut.get(p).get(0).tokenIds(), "static prompt " + p);
    }
    assertTrue(fixed.stepRows.size() > model.stepRows.size(), fixed.stepRows + " vs " + model.stepRows);
  }

  @Test
  void continuousAndStaticSchedulingGiveTheSameRows() {
    TableModel model = TableModel.seeded(16, 64, 5);
    List<PromptInput> prompts = randomPrompts(17, 16, 21);
    for (GenerationConfig c : List.of(
        config("max_new_tokens", "11", "eos_token_id", "0,3"),
        config("max_new_tokens", "11", "eos_token_id", "0", "do_sample", "true", "top_p", "0.9", "temperature", "0.7",
            "num_return_sequences", "3", "seed", "7", "repetition_penalty", "1.3"))) {
      Generator g = new Generator(model, c, null);
      Map<Long, List<Sequence>> fixed = byKey(prompts, g.withScheduler(Scheduler.STATIC, 0).generate(prompts, 8));
      for (int batch : new int[] {1, 2, 4, 5, 64}) {
        Map<Long, List<Sequence>> continuous = byKey(prompts, g.generate(prompts, batch));
        for (PromptInput p : prompts) {
          assertSameSequences(fixed.get(p.key()), continuous.get(p.key()), c + " batch " + batch + ", key " + p.key());
        }
      }
    }
  }

  @Test
  void finishedRowsLeaveTheBatch() {
    TableModel model = counting(20, 64, 13);
    List<PromptInput> prompts = List.of(new PromptInput(1, new int[] {12}), new PromptInput(2, new int[] {10}),
        new PromptInput(3, new int[] {5}));
    List<List<Sequence>> out = new Generator(model, config("eos_token_id", "13", "max_new_tokens", "12"), null)
        .generate(prompts, 3);
    assertArrayEquals(new int[] {13}, out.get(0).get(0).tokenIds());
    assertArrayEquals(new int[] {11, 12, 13}, out.get(1).get(0).tokenIds());
    assertArrayEquals(new int[] {6, 7, 8, 9, 10, 11, 12, 13}, out.get(2).get(0).tokenIds());
    out.forEach(s -> assertEquals(FinishReason.EOS, s.get(0).finishReason()));
    // Row 1 never steps, row 2 stops after 2 steps, row 3 after 7.
    assertEquals(List.of(2, 2, 1, 1, 1, 1, 1), model.stepRows);
  }

  @Test
  void minNewTokensBansEosUntilReached() {
    TableModel model = counting(20, 64, 13);
    Sequence s = new Generator(model, config("eos_token_id", "13", "min_new_tokens", "1", "max_new_tokens", "20"), null)
        .generate(List.of(new PromptInput(1, new int[] {12})), 1).get(0).get(0);
    // eos (13) is banned at the first step; the rest score equally, so argmax takes id 0 and counts up.
    assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, s.tokenIds());
    assertEquals(FinishReason.EOS, s.finishReason());
  }

  @Test
  void contextLimitEndsARowWithFinishReasonLength() {
    TableModel model = counting(20, 8, 13);
    List<List<Sequence>> out = new Generator(model, config("max_new_tokens", "10"), null)
        .generate(List.of(new PromptInput(1, new int[] {0, 1, 2, 3, 4}), new PromptInput(2, new int[] {0})), 2);
    assertArrayEquals(new int[] {5, 6, 7}, out.get(0).get(0).tokenIds());
    assertEquals(FinishReason.LENGTH, out.get(0).get(0).finishReason());
    assertEquals(7, out.get(1).get(0).tokenIds().length);
    assertEquals(FinishReason.LENGTH, out.get(1).get(0).finishReason());
  }

  @Test
  void stopStringEndsTheRowAndCutsTheText() throws Exception {
    Path tok = Path.of(GeneratorTest.class.getResource("/golden/gpt2-tiny/tokenizer.json").toURI());
    try (Tokenizer tokenizer = Tokenizer.load(tok)) {
      TableModel model = counting(64, 64, 63);
      List<PromptInput> prompts = List.of(new PromptInput(1, new int[] {10}), new PromptInput(2, new int[] {30}));
      GenerationConfig c = config("stop", "[\"t13\", \"t33 t3\"]", "eos_token_id", "63", "max_new_tokens", "6");
      List<List<Sequence>> out = new Generator(model, c, tokenizer).generate(prompts, 2);
      Sequence stopped = out.get(0).get(0); // 10 -> 11, 12, then 63 (eos) after 12: eos comes first
      assertArrayEquals(new int[] {11, 12, 63}, stopped.tokenIds());
      assertEquals(FinishReason.EOS, stopped.finishReason());
      // decode(prompt + generated) minus decode(prompt): this decoder-less vocabulary joins tokens
      // with spaces, so the continuation starts with the one after the prompt (as in HF's pipeline)
      assertEquals(" t11 t12", stopped.text(), "eos is a special token, skipped in the text");
      Sequence cut = out.get(1).get(0); // 31, 32, 33, 34: "t31 t32 t33 t34" contains "t33 t3"
      assertArrayEquals(new int[] {31, 32, 33, 34}, cut.tokenIds());
      assertEquals(FinishReason.STOP, cut.finishReason());
      assertEquals(" t31 t32 ", cut.text());
      // The same in beam search.
      GenerationConfig beams = config("stop", "t33 t3", "max_new_tokens", "6", "num_beams", "2");
      Sequence best = new Generator(model, beams, tokenizer).generate(List.of(prompts.get(1)), 2).get(0).get(0);
      assertArrayEquals(new int[] {31, 32, 33, 34}, best.tokenIds());
      assertEquals(FinishReason.STOP, best.finishReason());
      assertEquals(" t31 t32 ", best.text());
    }
  }

  @Test
  void textIsTheDecodedPromptPlusContinuationMinusTheDecodedPromptAsInHfPipeline() throws Exception {
    // Metaspace (SentencePiece) decoding drops the space before the first word only: decoding the
    // generated ids alone would glue the continuation to the prompt ("t3 t9" + "t10 t11").
    Path tok = Path.of(GeneratorTest.class.getResource("/tokenizers/llama-metaspace").toURI());
    try (Tokenizer tokenizer = Tokenizer.load(tok)) {
      TableModel model = counting(64, 64, 40);
      PromptInput prompt = new PromptInput(1, tokenizer.encode("t3 t9", true)); // [<s>, t3, t9]
      assertArrayEquals(new int[] {1, 3, 9}, prompt.tokenIds());
      Sequence plain = new Generator(model, config("max_new_tokens", "3"), tokenizer).generate(List.of(prompt), 1)
          .get(0).get(0);
      assertArrayEquals(new int[] {10, 11, 12}, plain.tokenIds());
      assertEquals("t10 t11 t12", tokenizer.decode(plain.tokenIds(), true)); // what decoding alone gives
      assertEquals(" t10 t11 t12", plain.text());
      assertEquals("t3 t9" + plain.text(), tokenizer.decode(new int[] {1, 3, 9, 10, 11, 12}, true));
      // Stop strings are found in, and cut, that same text: " t11" ends the row after 11.
      for (GenerationConfig c : List.of(config("max_new_tokens", "6", "stop", " t11"),
          config("max_new_tokens", "6", "stop", " t11", "num_beams", "2"))) {
        Sequence cut = new Generator(model, c, tokenizer).generate(List.of(prompt), 2).get(0).get(0);
        assertArrayEquals(new int[] {10, 11}, cut.tokenIds(), c.toString());
        assertEquals(FinishReason.STOP, cut.finishReason(), c.toString());
        assertEquals(" t10", cut.text(), c.toString());
      }
      // A stop string at the very start of the continuation: the leading space is part of it.
      Sequence first = new Generator(model, config("max_new_tokens", "6", "stop", " t10"), tokenizer)
          .generate(List.of(prompt), 1).get(0).get(0);
      assertArrayEquals(new int[] {10}, first.tokenIds());
      assertEquals("", first.text());
    }
  }

  @Test
  void samplingWithEveryTokenFilteredOutFailsNamingTheStepWhileGreedyKeepsArgmax() {
    // Issue 10's case: vocabulary 4, equal logits, prompt [0], no_repeat_ngram_size=1 bans every id
    // already seen, so after three generated tokens no id is left.
    TableModel flat = new TableModel(4, 64, seq -> new float[4]);
    List<PromptInput> prompt = List.of(new PromptInput(7, new int[] {0}));
    GenerationConfig sampling = config("do_sample", "true", "top_k", "0", "no_repeat_ngram_size", "1",
        "max_new_tokens", "5", "eos_token_id", "none");
    dev.sparkgen.model.generate.search.AllTokensFilteredException e = assertThrows(
        dev.sparkgen.model.generate.search.AllTokensFilteredException.class,
        () -> new Generator(flat, sampling, null).generate(prompt, 1));
    assertEquals(4, e.step());
    assertEquals("every token was filtered out at step 4 (after 3 generated tokens); sampling has nothing to draw from",
        e.getMessage());
    // Greedy: torch.argmax over all -inf picks index 0 and generation goes on, as in HF.
    GenerationConfig greedy = config("top_k", "0", "no_repeat_ngram_size", "1", "max_new_tokens", "5",
        "eos_token_id", "none");
    Sequence s = new Generator(flat, greedy, null).generate(prompt, 1).get(0).get(0);
    assertArrayEquals(new int[] {1, 2, 3, 0, 0}, s.tokenIds());
    // NaN logits cannot be sampled either.
    TableModel nan = new TableModel(4, 64, seq -> new float[] {Float.NaN, 0, 0, 0});
    assertThrows(dev.sparkgen.model.generate.search.AllTokensFilteredException.class,
        () -> new Generator(nan, config("do_sample", "true", "top_k", "0"), null).generate(prompt, 1));
  }

  /**
   * A batch that takes several prompts per admit call gets the waiting prompts that fit its free
   * rows in few calls, their samples sharing one prefill; the tokens equal one prompt per call and
   * each prompt alone; a refused prompt (an id outside the vocabulary) fails alone, the others of its
   * call go on; first tokens are chosen on the device ([k, V] gathered to one row per sample).
   */
  @Test
  void continuousRunAdmitsWaitingPromptsTogetherAndARefusedOneFailsAlone() {
    List<PromptInput> prompts = new ArrayList<>();
    Random r = new Random(5);
    for (int i = 0; i < 9; i++) {
      int[] ids = new int[3 + r.nextInt(2)];
      for (int j = 0; j < ids.length; j++) {
        ids[j] = r.nextInt(16);
      }
      if (i == 4) {
        ids[1] = 16; // outside the vocabulary of 16: refused by the batch, in a call with others
      }
      prompts.add(new PromptInput(100 + i, ids));
    }
    for (GenerationConfig c : List.of(config("max_new_tokens", "5", "output_logprobs", "true"),
        config("do_sample", "true", "num_return_sequences", "2", "max_new_tokens", "5", "seed", "4"))) {
      TableModel together = TableModel.seeded(16, 64, 3);
      together.admitsAtOnce = 4;
      TableModel oneByOne = TableModel.seeded(16, 64, 3);
      Map<Integer, ContinuousDecoding.Done> a = decodeAll(new Generator(together, c, null), prompts, 8);
      Map<Integer, ContinuousDecoding.Done> b = decodeAll(new Generator(oneByOne, c, null), prompts, 8);
      assertTrue(together.admissionCalls.stream().anyMatch(n -> n > 1), "calls: " + together.admissionCalls);
      assertTrue(together.admissionCalls.stream().allMatch(n -> n <= 4), "calls: " + together.admissionCalls);
      assertTrue(together.refusedCalls > 0, "the refused prompt should have come in a call with others");
      assertTrue(together.deviceReads.contains("admit"), together.deviceReads.toString());
      assertTrue(a.get(4).error() instanceof IllegalArgumentException, String.valueOf(a.get(4).error()));
      assertTrue(b.get(4).error() instanceof IllegalArgumentException, String.valueOf(b.get(4).error()));
      for (int p = 0; p < prompts.size(); p++) {
        if (p == 4) {
          continue;
        }
        assertNull(a.get(p).error(), "prompt " + p);
        List<Sequence> alone = new Generator(TableModel.seeded(16, 64, 3), c, null)
            .withScheduler(Scheduler.STATIC, 0).generate(List.of(prompts.get(p)), 1).get(0);
        for (int s = 0; s < alone.size(); s++) {
          assertArrayEquals(alone.get(s).tokenIds(), a.get(p).sequences().get(s).tokenIds(), "prompt " + p);
          assertArrayEquals(b.get(p).sequences().get(s).tokenIds(), a.get(p).sequences().get(s).tokenIds());
        }
      }
    }
  }

  private static Map<Integer, ContinuousDecoding.Done> decodeAll(Generator g, List<PromptInput> prompts, int rows) {
    Map<Integer, ContinuousDecoding.Done> done = new HashMap<>();
    try (ContinuousDecoding run = g.decode(prompts, rows)) {
      for (ContinuousDecoding.Done d = run.next(); d != null; d = run.next()) {
        assertNull(done.put(d.prompt(), d), "prompt " + d.prompt() + " came out twice");
      }
    }
    assertEquals(prompts.size(), done.size());
    return done;
  }

  @Test
  void continuousRunFailsAPromptWithNothingToSampleAloneAndGoesOn() {
    // Vocabulary 4, no_repeat_ngram_size=1: prompt [0] never sees eos (3) and, drawing 1 and 2,
    // runs out of tokens at step 3; prompts starting with 1 favour eos at once and finish.
    float inf = Float.NEGATIVE_INFINITY;
    TableModel model = new TableModel(4, 64, seq -> seq[0] == 1 ? new float[] {0, 0, 0, 20} : new float[] {0, 0, 0, inf});
    GenerationConfig c = config("do_sample", "true", "top_k", "0", "no_repeat_ngram_size", "1", "max_new_tokens", "5",
        "eos_token_id", "3");
    List<PromptInput> prompts = List.of(new PromptInput(1, new int[] {1, 2}), new PromptInput(2, new int[] {0}),
        new PromptInput(3, new int[] {1}), new PromptInput(4, new int[] {1, 0}));
    Map<Integer, ContinuousDecoding.Done> done = new HashMap<>();
    try (ContinuousDecoding run = new Generator(model, c, null).decode(prompts, 2)) {
      for (ContinuousDecoding.Done d = run.next(); d != null; d = run.next()) {
        assertNull(done.put(d.prompt(), d), "prompt " + d.prompt() + " came out twice");
      }
      assertEquals(List.of(), run.unfinished());
    }
    assertEquals(4, done.size());
    dev.sparkgen.model.generate.search.AllTokensFilteredException e =
        (dev.sparkgen.model.generate.search.AllTokensFilteredException) done.get(1).error();
    assertEquals(3, e.step());
    assertNull(done.get(1).sequences());
    for (int p : new int[] {0, 2, 3}) {
      assertNull(done.get(p).error(), "prompt " + p);
      assertArrayEquals(new int[] {3}, done.get(p).sequences().get(0).tokenIds(), "prompt " + p);
    }
    // generate() stops at the first error, as with static batches.
    assertThrows(dev.sparkgen.model.generate.search.AllTokensFilteredException.class,
        () -> new Generator(model, c, null).generate(prompts, 2));
  }

  @Test
  void withoutTokenizerThereIsNoTextAndStopStringsAreRefused() {
    TableModel model = counting(20, 64, 13);
    Sequence s = new Generator(model, config("max_new_tokens", "2"), null)
        .generate(List.of(new PromptInput(1, new int[] {1})), 1).get(0).get(0);
    assertNull(s.text());
    assertNull(s.tokenLogprobs());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Generator(model, config("stop", "x"), null));
    assertTrue(e.getMessage().contains("tokenizer"), e.getMessage());
  }

  @Test
  void batchSizeCountsRowsAndKeepsAPromptsRowsTogether() {
    List<PromptInput> prompts = List.of(new PromptInput(1, new int[] {1, 2, 3}), new PromptInput(2, new int[] {1}),
        new PromptInput(3, new int[] {1, 2}), new PromptInput(4, new int[] {2}), new PromptInput(5, new int[] {3, 1}));
    // 3 samples per prompt: batch_size 7 holds 2 prompts (6 rows), ordered by length (stable).
    TableModel model = TableModel.seeded(16, 64, 3);
    Generator sampling = new Generator(model,
        config("do_sample", "true", "num_return_sequences", "3", "max_new_tokens", "2"), null)
        .withScheduler(Scheduler.STATIC, 0);
    assertEquals(List.of("[1, 3]", "[2, 4]", "[0]"),
        sampling.batches(prompts, 7).stream().map(java.util.Arrays::toString).toList());
    sampling.generate(prompts, 7);
    assertEquals(List.of(2, 2, 1), model.prefillRows);
    assertEquals(6, model.stepRows.get(0));
    // Continuous batches count rows exactly: the third prompt's first sample takes the seventh row.
    TableModel continuous = TableModel.seeded(16, 64, 3);
    new Generator(continuous, config("do_sample", "true", "num_return_sequences", "3", "max_new_tokens", "2"), null)
        .generate(prompts, 7);
    assertEquals(List.of(3, 3, 1), continuous.admittedRows.subList(0, 3));
    assertEquals(7, continuous.stepRows.get(0));
    // 3 beams per prompt: batch_size 2 is below one prompt's rows, which still share one batch.
    Generator beams = new Generator(model, config("num_beams", "3", "max_new_tokens", "2"), null);
    assertEquals(5, beams.batches(prompts, 2).size());
    assertEquals(2, beams.batches(prompts, 6).get(0).length);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> beams.generate(prompts, 0));
    assertTrue(e.getMessage().contains("batch size"), e.getMessage());
  }

  @Test
  void topPSamplingFollowsTheNucleusDistribution() {
    double[] p = {0.35, 0.25, 0.2, 0.1, 0.06, 0.04};
    float[] logits = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      logits[i] = (float) Math.log(p[i]);
    }
    TableModel model = new TableModel(p.length, 64, seq -> logits.clone());
    GenerationConfig c = config("do_sample", "true", "top_p", "0.85", "max_new_tokens", "1", "seed", "2026");
    // top_p 0.85 removes 0.04 and 0.06 (cumulative 0.10 <= 0.15) and keeps the rest, renormalised.
    double[] expected = InverseCdf.probabilities(
        LogitsPipeline.forConfig(c).apply(new TokenHistory(new int[] {0}), logits.clone()));
    assertEquals(0.0, expected[4] + expected[5]);
    int n = 20000;
    List<PromptInput> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(new PromptInput(i, new int[] {0}));
    }
    int[] counts = new int[p.length];
    for (List<Sequence> s : new Generator(model, c, null).generate(rows, 2000)) {
      counts[s.get(0).tokenIds()[0]]++;
    }
    assertEquals(0, counts[4] + counts[5], "removed tokens were drawn");
    double chi2 = 0;
    for (int i = 0; i < 4; i++) {
      double e = n * expected[i];
      chi2 += (counts[i] - e) * (counts[i] - e) / e;
    }
    // 3 degrees of freedom: P(chi2 > 16.266) = 0.001.
    assertTrue(chi2 < 16.266, "chi-square " + chi2 + " for counts " + java.util.Arrays.toString(counts));
  }

  @Test
  void samplingOnTheDeviceChoosesWhatTheHostPathChooses() {
    // A seeded table model (logits from the last two tokens), rows that end at different steps
    // (eos), forks (num_return_sequences), every device processor; host and device runs agree.
    TableModel model = TableModel.seeded(40, 64, 5);
    List<PromptInput> prompts = randomPrompts(9, 40, 8);
    for (GenerationConfig c : List.of(
        config("do_sample", "true", "temperature", "0.8", "top_k", "10", "top_p", "0.9", "eos_token_id", "3",
            "max_new_tokens", "12", "num_return_sequences", "3", "output_logprobs", "true"),
        config("do_sample", "true", "top_k", "0", "min_p", "0.1", "repetition_penalty", "1.4", "no_repeat_ngram_size", "2",
            "min_new_tokens", "4", "eos_token_id", "3,7", "max_new_tokens", "12", "num_return_sequences", "2",
            "output_logprobs", "true"),
        config("repetition_penalty", "1.4", "no_repeat_ngram_size", "2", "eos_token_id", "3", "max_new_tokens", "12",
            "output_logprobs", "true"))) {
      TokenSampling device = new TokenSampling(c, new SeededUniforms(c.seed()), new StopStrings(List.of(), null));
      List<List<Sequence>> got = device.run(model, prompts);
      List<List<Sequence>> want = device.onHost().run(model, prompts);
      boolean early = false;
      for (int p = 0; p < prompts.size(); p++) {
        for (int s = 0; s < want.get(p).size(); s++) {
          Sequence w = want.get(p).get(s);
          assertArrayEquals(w.tokenIds(), got.get(p).get(s).tokenIds(), c + " prompt " + p + " sample " + s);
          assertArrayEquals(w.tokenLogprobs(), got.get(p).get(s).tokenLogprobs(), 1e-5f); // float32 log-softmax on the device
          early |= w.finishReason() == FinishReason.EOS;
        }
      }
      assertTrue(early, c + ": no row ended early, so no row left the batch");
    }
  }

  @Test
  void firstTokensAreChosenWhereTheLogitsAreAndEqualTheHostPath() {
    // Static and continuous batches, sampling (forks, every device processor, eos) and greedy: no
    // logits reach the host, the prefill's and admissions' first tokens included, and every row
    // equals the host reference path (TokenSampling.onHost(), which reads every logits row).
    TableModel model = TableModel.seeded(40, 64, 5);
    List<PromptInput> prompts = randomPrompts(9, 40, 8);
    for (GenerationConfig c : List.of(
        config("do_sample", "true", "temperature", "0.8", "top_k", "10", "top_p", "0.9", "eos_token_id", "3",
            "max_new_tokens", "12", "num_return_sequences", "3", "output_logprobs", "true"),
        config("repetition_penalty", "1.4", "no_repeat_ngram_size", "2", "eos_token_id", "3", "max_new_tokens", "12",
            "output_logprobs", "true"),
        config("eos_token_id", "3", "max_new_tokens", "12", "output_logprobs", "true"))) {
      TokenSampling sampling = new TokenSampling(c, new SeededUniforms(c.seed()), new StopStrings(List.of(), null));
      model.hostReads.clear();
      List<List<Sequence>> want = sampling.onHost().run(model, prompts);
      assertTrue(model.hostReads.contains("prefill"), c + ": the host path reads the prefill's logits");
      model.hostReads.clear();
      model.deviceReads.clear();
      List<List<Sequence>> statically = sampling.run(model, prompts);
      assertEquals(List.of(), model.hostReads, c + ": static batch");
      assertTrue(model.deviceReads.contains("prefill"), c + ": " + model.deviceReads);
      model.deviceReads.clear();
      List<List<Sequence>> continuous = new Generator(model, c, null).withScheduler(Scheduler.CONTINUOUS, 0)
          .generate(prompts, 4);
      assertEquals(List.of(), model.hostReads, c + ": continuous batch");
      assertTrue(model.deviceReads.contains("admit"), c + ": " + model.deviceReads);
      // Several prompts per admission call: their [k, V] first logits, gathered to one row per sample.
      model.admitsAtOnce = 4;
      model.admissionCalls.clear();
      List<List<Sequence>> together = new Generator(model, c, null).withScheduler(Scheduler.CONTINUOUS, 0)
          .generate(prompts, 8);
      model.admitsAtOnce = 1;
      assertEquals(List.of(), model.hostReads, c + ": continuous batch, several prompts per admission");
      assertTrue(model.admissionCalls.stream().anyMatch(n -> n > 1), c + ": " + model.admissionCalls);
      for (List<List<Sequence>> got : List.of(statically, continuous, together)) {
        for (int p = 0; p < prompts.size(); p++) {
          for (int s = 0; s < want.get(p).size(); s++) {
            Sequence w = want.get(p).get(s);
            assertArrayEquals(w.tokenIds(), got.get(p).get(s).tokenIds(), c + " prompt " + p + " sample " + s);
            assertArrayEquals(w.tokenLogprobs(), got.get(p).get(s).tokenLogprobs(), 1e-5f); // float32 on the device
          }
        }
      }
    }
  }
}
