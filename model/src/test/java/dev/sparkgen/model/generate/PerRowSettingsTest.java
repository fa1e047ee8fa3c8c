package dev.sparkgen.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Prompts with their own generation settings ({@link PromptInput#config()}): each one's result
 * equals a generator with those settings for that prompt alone, while prompts without beam search
 * share batches whatever their settings.
 */
class PerRowSettingsTest {
  private static final GenerationConfig BASE = config("max_new_tokens", "7", "eos_token_id", "0");

  private static GenerationConfig config(String... kv) {
    return config(GenerationConfig.defaults(), kv);
  }

  private static GenerationConfig config(GenerationConfig base, String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return GenerationConfig.fromMap(m, base);
  }

  /** Per prompt index: its own settings (null = the generator's), cycling through greedy, sampling and beams. */
  private static final List<GenerationConfig> OWN = List.of(
      config(BASE, "do_sample", "true", "temperature", "0.7", "top_k", "5", "seed", "3"),
      config(BASE, "max_new_tokens", "3"),
      config(BASE, "do_sample", "true", "top_p", "0.8", "num_return_sequences", "3", "seed", "11",
          "output_logprobs", "true"),
      config(BASE, "repetition_penalty", "1.3", "no_repeat_ngram_size", "2"),
      config(BASE, "num_beams", "3", "num_return_sequences", "2"),
      config(BASE, "num_beams", "2", "max_new_tokens", "4"),
      config(BASE, "do_sample", "true", "min_p", "0.1", "temperature", "1.4", "eos_token_id", "3",
          "min_new_tokens", "2"));

  private static List<PromptInput> prompts(int n) {
    List<PromptInput> plain = GeneratorTest.randomPrompts(n, 16, 21);
    List<PromptInput> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      PromptInput p = plain.get(i);
      GenerationConfig own = i % (OWN.size() + 1) == OWN.size() ? null : OWN.get(i % (OWN.size() + 1));
      out.add(new PromptInput(p.key(), p.tokenIds(), null, own));
    }
    return out;
  }

  @Test
  void eachPromptGetsWhatAGeneratorWithItsSettingsGivesItAlone() {
    TableModel model = TableModel.seeded(16, 64, 5);
    List<PromptInput> prompts = prompts(24);
    Generator mixed = new Generator(model, BASE, null);
    for (int batchSize : new int[] {1, 5, 64}) {
      List<List<Sequence>> got = mixed.generate(prompts, batchSize);
      for (int i = 0; i < prompts.size(); i++) {
        PromptInput p = prompts.get(i);
        GenerationConfig own = p.config() == null ? BASE : p.config();
        List<Sequence> alone = new Generator(model, own, null)
            .generate(List.of(new PromptInput(p.key(), p.tokenIds())), 1).get(0);
        String what = "prompt " + i + " with " + own + " at batch size " + batchSize;
        assertEquals(own.numReturnSequences(), got.get(i).size(), what);
        for (int s = 0; s < alone.size(); s++) {
          Sequence a = alone.get(s);
          Sequence b = got.get(i).get(s);
          assertArrayEquals(a.tokenIds(), b.tokenIds(), what + " sample " + s);
          // A batch whose rows share one setting samples on the device (float32 log-softmax), a mixed one
          // on the host (double): log-probabilities agree within float rounding, tokens exactly.
          assertEquals(a.cumulativeLogprob(), b.cumulativeLogprob(), 1e-5, what);
          assertEquals(a.finishReason(), b.finishReason(), what);
          assertEquals(a.score() == null, b.score() == null, what);
          if (a.score() != null) {
            assertEquals(a.score(), b.score(), 1e-5, what);
          }
          assertEquals(a.tokenLogprobs() == null, b.tokenLogprobs() == null, what);
          assertTrue(b.tokenIds().length <= own.maxNewTokens(), what);
        }
      }
    }
  }

  @Test
  void nonBeamSettingsShareBatchesAndBeamSettingsAreGroupedByConfiguration() {
    TableModel model = TableModel.seeded(16, 64, 5);
    List<PromptInput> prompts = prompts(24);
    Generator g = new Generator(model, BASE, null);
    int batchSize = 6;
    boolean mixedSampling = false;
    for (int[] batch : g.batches(prompts, batchSize)) {
      Set<GenerationConfig> configs = new HashSet<>();
      int rows = 0;
      for (int i : batch) {
        GenerationConfig c = prompts.get(i).config() == null ? BASE : prompts.get(i).config();
        configs.add(c);
        rows += Generator.rowsPerPrompt(c);
      }
      assertTrue(batch.length == 1 || rows <= batchSize, "batch of " + rows + " rows");
      boolean beams = configs.stream().anyMatch(c -> c.numBeams() > 1);
      if (beams) {
        assertEquals(1, configs.size(), "beam search batches hold one configuration: " + configs);
      } else {
        mixedSampling |= configs.size() > 1;
      }
    }
    assertTrue(mixedSampling, "greedy and sampling prompts with different settings should share a batch");
    // A batch that mixes beam widths is refused rather than run under one prompt's settings.
    PromptInput wide = prompts.get(4);
    PromptInput narrow = prompts.get(5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> g.generateBatch(List.of(wide, narrow)));
    assertTrue(e.getMessage().contains("beam search"), e.getMessage());
  }

  @Test
  void aGeneratorWithoutOverridesPlansAsBefore() {
    TableModel model = TableModel.seeded(16, 64, 5);
    List<PromptInput> plain = GeneratorTest.randomPrompts(11, 16, 2);
    GenerationConfig three = config(BASE, "do_sample", "true", "num_return_sequences", "3");
    List<int[]> plan = new Generator(model, three, null).batches(plain, 7);
    assertEquals(6, plan.size()); // 7 rows / 3 per prompt = 2 prompts per batch
    for (int[] batch : plan.subList(0, 5)) {
      assertEquals(2, batch.length);
    }
  }
}
