package dev.sparkgen.model.generate.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.generate.GenerationConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each processor on hand-made 4-6 token distributions. */
class LogitsProcessorsTest {
  static final float NEG = Float.NEGATIVE_INFINITY;

  private static TokenHistory history(int... ids) {
    return new TokenHistory(ids);
  }

  private static float[] logs(double... probs) {
    float[] out = new float[probs.length];
    for (int i = 0; i < probs.length; i++) {
      out[i] = (float) Math.log(probs[i]);
    }
    return out;
  }

  private static boolean[] kept(float[] scores) {
    boolean[] out = new boolean[scores.length];
    for (int i = 0; i < scores.length; i++) {
      out[i] = scores[i] != NEG;
    }
    return out;
  }

  @Test
  void topKKeepsEveryTokenTiedWithTheKthLargest() {
    float[] s = {1f, 3f, 3f, 2f, 3f};
    new TopKWarper(2, 1).process(history(0), s);
    assertArrayEquals(new float[] {NEG, 3f, 3f, NEG, 3f}, s);
  }

  @Test
  void topKKeepsAtLeastMinTokensToKeep() {
    float[] s = {1f, 4f, 3f, 2f};
    new TopKWarper(1, 3).process(history(0), s);
    assertArrayEquals(new float[] {NEG, 4f, 3f, 2f}, s);
  }

  @Test
  void topKLargerThanTheVocabularyKeepsEverything() {
    float[] s = {1f, 4f, 3f, 2f};
    new TopKWarper(50, 1).process(history(0), s);
    assertArrayEquals(new float[] {1f, 4f, 3f, 2f}, s);
  }

  @Test
  void topPRemovesATokenExactlyOnTheBoundary() {
    // Four equal tokens: cumulative mass 0.25, 0.5, 0.75, 1 (exact in float32).
    float[] half = {0f, 0f, 0f, 0f};
    new TopPWarper(0.5, 1).process(history(0), half);
    assertArrayEquals(new boolean[] {false, false, true, true}, kept(half), "0.5 lies on the boundary: removed");
    float[] threeQuarters = {0f, 0f, 0f, 0f};
    new TopPWarper(0.75, 1).process(history(0), threeQuarters);
    assertArrayEquals(new boolean[] {false, true, true, true}, kept(threeQuarters));
  }

  @Test
  void topPKeepsTheSmallestSetReachingTheMass() {
    float[] s = logs(0.1, 0.4, 0.2, 0.3);
    new TopPWarper(0.65, 1).process(history(0), s); // ascending cumulative 0.1, 0.3 <= 0.35 removed
    assertArrayEquals(new boolean[] {false, true, false, true}, kept(s));
  }

  @Test
  void topPAlwaysKeepsMinTokensToKeep() {
    float[] one = logs(0.1, 0.4, 0.2, 0.3);
    new TopPWarper(0.01, 1).process(history(0), one);
    assertArrayEquals(new boolean[] {false, true, false, false}, kept(one));
    float[] two = logs(0.1, 0.4, 0.2, 0.3);
    new TopPWarper(0.01, 2).process(history(0), two);
    assertArrayEquals(new boolean[] {false, true, false, true}, kept(two));
  }

  @Test
  void topPIgnoresTokensAlreadyRemovedByTopK() {
    float[] s = logs(0.05, 0.45, 0.2, 0.3);
    s[0] = NEG;
    // Renormalised over the rest: 0.2/0.95, 0.3/0.95, 0.45/0.95 -> 0.21 removed at top_p 0.75.
    new TopPWarper(0.75, 1).process(history(0), s);
    assertArrayEquals(new boolean[] {false, true, false, true}, kept(s));
  }

  @Test
  void topPOnALargeVocabularyMatchesAFullAscendingSort() {
    java.util.Random random = new java.util.Random(12);
    for (double topP : new double[] {0.5, 0.9, 0.95, 0.999}) {
      float[] s = new float[5000];
      for (int i = 0; i < s.length; i++) {
        s[i] = (float) (4 * random.nextGaussian()); // peaky: most tokens fall below the sort floor
      }
      boolean[] want = topPByFullSort(s, topP);
      new TopPWarper(topP, 1).process(history(0), s);
      assertArrayEquals(want, kept(s), "top_p " + topP);
    }
  }

  /**
   * HF's rule written plainly: ascending stable sort, float32 softmax, cumsum accumulated in double
   * and rounded to float32 per position (torch.cumsum on the CPU), remove <= 1 - p.
   */
  private static boolean[] topPByFullSort(float[] scores, double topP) {
    Integer[] order = new Integer[scores.length];
    java.util.Arrays.setAll(order, i -> i);
    java.util.Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
    double total = 0;
    float max = scores[order[order.length - 1]];
    for (float x : scores) {
      total += Math.exp(x - max);
    }
    boolean[] keep = new boolean[scores.length];
    java.util.Arrays.fill(keep, true);
    double cumulative = 0;
    for (int j = 0; j < order.length - 1; j++) {
      cumulative += (float) (Math.exp(scores[order[j]] - max) / total);
      keep[order[j]] = !((float) cumulative <= (float) (1 - topP));
    }
    return keep;
  }

  @Test
  void minPRemovesTokensBelowAFractionOfTheTopProbability() {
    float[] s = logs(0.5, 0.3, 0.15, 0.05);
    new MinPWarper(0.2, 1).process(history(0), s); // threshold 0.1
    assertArrayEquals(new boolean[] {true, true, true, false}, kept(s));
  }

  @Test
  void repetitionPenaltyDividesPositiveAndMultipliesNegativeScoresOncePerId() {
    float[] s = {2f, -2f, 1f, 0.5f};
    new RepetitionPenaltyProcessor(2.0).process(history(0, 1, 1, 1), s);
    assertArrayEquals(new float[] {1f, -4f, 1f, 0.5f}, s);
  }

  @Test
  void noRepeatNGramBansTheTokenThatWouldRepeatAnNGram() {
    float[] s = {0f, 0f, 0f, 0f, 0f};
    new NoRepeatNGramProcessor(3).process(history(1, 2, 3, 1, 2), s); // (1, 2, 3) seen: 3 banned
    assertArrayEquals(new float[] {0f, 0f, 0f, NEG, 0f}, s);
    float[] bigram = {0f, 0f, 0f, 0f, 0f};
    new NoRepeatNGramProcessor(2).process(history(1, 2, 4, 1), bigram); // (1, 2) seen: 2 banned
    assertArrayEquals(new float[] {0f, 0f, NEG, 0f, 0f}, bigram);
  }

  @Test
  void noRepeatNGramBansNothingBeforeAnNGramCanForm() {
    float[] s = {0f, 0f, 0f, 0f};
    new NoRepeatNGramProcessor(3).process(history(1), s);
    assertArrayEquals(new float[] {0f, 0f, 0f, 0f}, s);
  }

  @Test
  void minNewTokensBansEosUntilEnoughTokensWereGenerated() {
    TokenHistory h = history(1, 2);
    MinNewTokensProcessor p = new MinNewTokensProcessor(2, List.of(3));
    float[] s = {0f, 0f, 0f, 0f};
    p.process(h, s);
    assertArrayEquals(new float[] {0f, 0f, 0f, NEG}, s);
    h.append(0);
    h.append(0);
    float[] later = {0f, 0f, 0f, 0f};
    p.process(h, later);
    assertArrayEquals(new float[] {0f, 0f, 0f, 0f}, later);
  }

  @Test
  void temperatureDividesScores() {
    float[] s = {2f, -4f, 1f};
    new TemperatureWarper(2.0).process(history(0), s);
    assertArrayEquals(new float[] {1f, -2f, 0.5f}, s);
  }

  @Test
  void constructorsRefuseInvalidArgumentsNamingThem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TopPWarper(1.5, 1));
    assertTrue(e.getMessage().contains("top_p") && e.getMessage().contains("1.5"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new TemperatureWarper(0));
    assertTrue(e.getMessage().contains("temperature"), e.getMessage());
  }

  @Test
  void factoryFixesHuggingFaceOrderAndSkipsWarpersWithoutSampling() {
    GenerationConfig sampling = GenerationConfig.fromMap(Map.of("do_sample", "true", "temperature", "0.7",
        "top_p", "0.9", "min_p", "0.05", "repetition_penalty", "1.2", "no_repeat_ngram_size", "3",
        "min_new_tokens", "2", "eos_token_id", "5"), GenerationConfig.defaults());
    assertEquals(List.of(RepetitionPenaltyProcessor.class, NoRepeatNGramProcessor.class, MinNewTokensProcessor.class,
            TemperatureWarper.class, TopKWarper.class, TopPWarper.class, MinPWarper.class),
        LogitsPipeline.forConfig(sampling).processors().stream().map(Object::getClass).toList());
    GenerationConfig greedy = GenerationConfig.fromMap(Map.of("temperature", "0.7", "top_p", "0.9",
        "repetition_penalty", "1.2"), GenerationConfig.defaults());
    assertEquals(List.of(RepetitionPenaltyProcessor.class),
        LogitsPipeline.forConfig(greedy).processors().stream().map(Object::getClass).toList());
  }
}
