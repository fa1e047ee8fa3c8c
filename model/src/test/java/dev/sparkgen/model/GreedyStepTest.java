package dev.sparkgen.model;

import dev.sparkgen.model.generate.search.TokenSelector;
import static dev.sparkgen.model.TinyModels.tokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.TinyModels.Named;
import dev.sparkgen.model.generate.search.LogSoftmax;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link DecodeBatch#stepGreedy} picks what the host would pick from {@link DecodeBatch#step}'s logits. */
class GreedyStepTest {
  static List<Named> models() {
    return TinyModels.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void greedyPicksMatchHostArgmaxAndLogprobOnAPaddedBatchAcrossASelect(Named m) {
    SplittableRandom r = new SplittableRandom(21);
    try (CausalLm lm = TinyModels.model(m.config(), 5)) {
      int vocab = lm.vocabSize();
      List<int[]> prompts = List.of(tokens(r, 3, vocab), tokens(r, 7, vocab), tokens(r, 5, vocab));
      int steps = 8;
      try (DecodeBatch host = lm.open(prompts, steps); DecodeBatch device = lm.open(prompts, steps)) {
        assertTrue(device.picksGreedyItself());
        float[][] logits = host.prefill();
        device.prefill();
        int[] next = argmax(logits);
        Set<Integer> seen = new HashSet<>();
        for (int s = 0; s < steps; s++) {
          if (s == 4) { // drop the middle row and duplicate the last, as compaction and forking do
            int[] keep = {0, 2, 2};
            host.select(keep);
            device.select(keep);
            next = new int[] {next[0], next[2], next[2]};
          }
          logits = host.step(next);
          GreedyPicks picks = device.stepGreedy(next);
          int[] want = argmax(logits);
          assertArrayEquals(want, picks.tokens(), m + " step " + s + " tokens");
          for (int row = 0; row < want.length; row++) {
            double logprob = logits[row][want[row]] - LogSoftmax.logSumExp(logits[row]);
            assertEquals(logprob, picks.logprobs()[row], 1e-5, m + " step " + s + " row " + row + " logprob");
            seen.add(want[row]);
          }
          next = want;
        }
        assertTrue(seen.size() > 1, "the check needs more than one distinct token");
      }
    }
  }

  private static int[] argmax(float[][] logits) {
    return java.util.Arrays.stream(logits).mapToInt(TokenSelector::argmax).toArray();
  }
}
