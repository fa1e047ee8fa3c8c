package dev.sparkgen.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.generate.search.LogSoftmax;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Beam search on a tiny vocabulary against exhaustive search. */
class BeamSearchTest {
  static final int VOCAB = 4;
  static final int EOS = 3;
  static final int MAX_NEW = 3;

  record Scored(int[] tokens, double sum) {}

  /** Every sequence that ends in eos or reaches MAX_NEW tokens, with its summed log-probability. */
  private static List<Scored> allSequences(TableModel model, int[] prompt) {
    List<Scored> out = new ArrayList<>();
    extend(model, prompt, new int[0], 0.0, out);
    out.sort(Comparator.comparingDouble(Scored::sum).reversed());
    return out;
  }

  private static void extend(TableModel model, int[] prompt, int[] generated, double sum, List<Scored> out) {
    int[] seq = Arrays.copyOf(prompt, prompt.length + generated.length);
    System.arraycopy(generated, 0, seq, prompt.length, generated.length);
    float[] logprobs;
    try (var batch = model.open(List.of(seq), 1)) {
      logprobs = LogSoftmax.of(batch.prefill()[0]);
    }
    for (int t = 0; t < VOCAB; t++) {
      int[] next = Arrays.copyOf(generated, generated.length + 1);
      next[generated.length] = t;
      double s = sum + logprobs[t];
      if (t == EOS || next.length == MAX_NEW) {
        out.add(new Scored(next, s));
      } else {
        extend(model, prompt, next, s, out);
      }
    }
  }

  @Test
  void canonicalBeamSearchWideEnoughEqualsExhaustiveSearch() {
    TableModel model = TableModel.seeded(VOCAB, 32, 11);
    // 36 beams cover every candidate of every step (at most 9 running prefixes x 4 tokens), so
    // early_stopping="never" with length_penalty=0 must return the exhaustive ranking.
    GenerationConfig config = GenerationConfig.fromMap(Map.of("num_beams", "36", "num_return_sequences", "10",
        "early_stopping", "never", "length_penalty", "0", "eos_token_id", Integer.toString(EOS),
        "max_new_tokens", Integer.toString(MAX_NEW), "output_logprobs", "true"), GenerationConfig.defaults());
    List<int[]> prompts = List.of(new int[] {0, 1}, new int[] {2}, new int[] {1, 1, 0});
    List<PromptInput> inputs = new ArrayList<>();
    for (int p = 0; p < prompts.size(); p++) {
      inputs.add(new PromptInput(p, prompts.get(p)));
    }
    List<List<Sequence>> got = new Generator(model, config, null).generate(inputs, 200);
    for (int p = 0; p < prompts.size(); p++) {
      List<Scored> best = allSequences(model, prompts.get(p));
      assertEquals(1 + 3 + 36, best.size(), "complete sequences of prompt " + p);
      List<Sequence> seqs = got.get(p);
      assertEquals(10, seqs.size());
      for (int i = 0; i < 10; i++) {
        Sequence s = seqs.get(i);
        assertArrayEquals(best.get(i).tokens(), s.tokenIds(), "prompt " + p + " rank " + i);
        assertEquals(best.get(i).sum(), s.score(), 1e-5, "prompt " + p + " rank " + i);
        assertEquals(best.get(i).sum(), s.cumulativeLogprob(), 1e-5);
        int last = s.tokenIds()[s.tokenIds().length - 1];
        assertEquals(last == EOS ? FinishReason.EOS : FinishReason.LENGTH, s.finishReason());
      }
    }
  }

  @Test
  void beamsForkThePrefilledRowInsteadOfPrefillingDuplicates() {
    TableModel model = TableModel.seeded(8, 32, 5);
    GenerationConfig config = GenerationConfig.fromMap(Map.of("num_beams", "3", "max_new_tokens", "4"),
        GenerationConfig.defaults());
    new Generator(model, config, null).generate(List.of(new PromptInput(1, new int[] {1, 2}),
        new PromptInput(2, new int[] {3})), 6);
    assertEquals(List.of(2), model.prefillRows);
    assertTrue(model.stepRows.stream().allMatch(r -> r <= 6), "rows per step " + model.stepRows);
    assertEquals(6, model.stepRows.get(0));
  }
}
