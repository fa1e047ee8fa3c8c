package dev.sparkgen.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The degeneration metrics on hand-made continuations with known answers. */
class DegenerationMetricsTest {

  @Test
  void aPhraseRepeatedThreeTimesAtTheEndIsALoop() {
    assertTrue(RepetitionDetector.endsInLoop(Words.of("once upon a time I said I said I said")));
    assertTrue(RepetitionDetector.endsInLoop(Words.of("no no no")));
  }

  @Test
  void aLoopCutInsideItsLastCopyStillCounts() {
    assertTrue(RepetitionDetector.endsInLoop(Words.of("go to the shop to the shop to the shop to the")));
  }

  @Test
  void aLoopWhoseLastWordIsCutOffStillCounts() {
    assertTrue(RepetitionDetector.endsInLoop(Words.of("that is that is that is that is th")));
    assertFalse(RepetitionDetector.endsInLoop(Words.of("that is that is that is that is xy")));
  }

  @Test
  void repetitionThatDoesNotReachTheEndIsNoLoop() {
    assertFalse(RepetitionDetector.endsInLoop(Words.of("I said I said I said and then left")));
    assertFalse(RepetitionDetector.endsInLoop(Words.of("I said I said")));
    assertFalse(RepetitionDetector.endsInLoop(Words.of("")));
  }

  @Test
  void distinctNCountsUniqueNgramsOverAll() {
    List<List<String>> texts = List.of(Words.of("a b a b"), Words.of("a c"));
    assertEquals(3.0 / 6, DistinctN.of(texts, 1), 1e-12); // unique {a, b, c} of 6 words
    assertEquals(3.0 / 4, DistinctN.of(texts, 2), 1e-12); // {a b, b a, a c} of 4 bigrams
  }

  @Test
  void selfBleuIsOneForIdenticalTextsAndLowForDisjointOnes() {
    List<String> s = Words.of("the cat sat on the mat today");
    assertEquals(1.0, SelfBleu.of(List.of(s, s, s)), 1e-12);
    double disjoint = SelfBleu.of(List.of(Words.of("a b c d e"), Words.of("f g h i j"), Words.of("k l m n o")));
    assertTrue(disjoint < 0.05, "disjoint texts: " + disjoint);
    double partial = SelfBleu.of(List.of(Words.of("the cat sat on the mat"), Words.of("the cat sat on a rug")));
    assertTrue(partial > disjoint && partial < 1, "partial overlap: " + partial);
  }

  @Test
  void perplexityIsTheExpOfTheMeanNegativeLogprobOverAllGeneratedTokens() {
    StrategyMetrics m = StrategyMetrics.of("x", List.of(
        new StrategyMetrics.Continuation("a b a b a b", 2, new float[] {-1f, -2f}),
        new StrategyMetrics.Continuation("c d", 1, new float[] {-3f})));
    assertEquals(Math.exp(2.0), m.perplexity(), 1e-9);
    assertEquals(1.5, m.meanLength(), 1e-12);
    assertEquals(50.0, m.repetitionPercent(), 1e-12); // "a b" three times ends the first
  }

  @Test
  void validationPromptsAreTheOpeningWordsOfLongEnoughFortunesInFileOrder(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("valid.txt");
    java.nio.file.Files.writeString(file, "Too short.\n%\nOne  two three\nfour five six\n%\nAlpha beta gamma delta epsilon zeta\n");
    assertEquals(List.of("One  two three", "Alpha beta gamma"), ValidationPrompts.read(file, 2, 3));
  }
}
