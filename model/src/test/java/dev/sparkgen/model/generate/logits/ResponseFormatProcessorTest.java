package dev.sparkgen.model.generate.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.constraint.ResponseFormat;
import dev.sparkgen.model.tokenizer.TestTokenizers;
import dev.sparkgen.model.generate.constraint.TokenConstraint;
import dev.sparkgen.model.generate.constraint.TokenVocabulary;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The response-format processor on GPT-2 vocabulary scores. */
class ResponseFormatProcessorTest {
  static final float NEG = Float.NEGATIVE_INFINITY;
  static final int EOS = 50256;
  static TokenVocabulary gpt2;

  @BeforeAll
  static void load() {
    gpt2 = TokenVocabulary.load(TestTokenizers.GPT2);
  }

  private static float[] randomScores(long seed) {
    Random r = new Random(seed);
    float[] s = new float[50257];
    for (int i = 0; i < s.length; i++) {
      s[i] = (float) r.nextGaussian();
    }
    return s;
  }

  private static int finite(float[] s) {
    int n = 0;
    for (float x : s) {
      n += x != NEG ? 1 : 0;
    }
    return n;
  }

  @Test
  void rowsWithoutAFormatAreUntouched() {
    float[] s = randomScores(1);
    float[] before = s.clone();
    new ResponseFormatProcessor(List.of(EOS)).process(new TokenHistory(new int[] {1, 2}), s);
    assertArrayEquals(before, s);
  }

  @Test
  void allowedTokensKeepTheirScoresAndEosWaitsForACompleteText() {
    TokenConstraint c = gpt2.constraint(ResponseFormat.parse("choice:[\"yes\", \"yesterday\"]"), 0);
    ResponseFormatProcessor p = new ResponseFormatProcessor(List.of(EOS));
    TokenHistory h = new TokenHistory(new int[] {1}, c);
    float[] s = randomScores(2);
    float[] raw = s.clone();
    p.process(h, s);
    assertEquals(c.allowed(c.start()).count(), finite(s), "only the format's tokens stay");
    for (int id : c.allowed(c.start()).ids()) {
      assertEquals(raw[id], s[id], "an allowed token keeps its score");
    }
    assertEquals(NEG, s[EOS], "the empty text is not a choice: no eos");
    h.append(8505); // "yes"
    assertTrue(c.accepting(h.constraintState()));
    float[] t = randomScores(3);
    p.process(h, t);
    assertEquals(randomScores(3)[EOS], t[EOS], "'yes' is complete: eos allowed with its own score");
    assertTrue(finite(t) > 1, "...and 'yesterday' can still go on");
  }

  @Test
  void whenEarlierRulesBanEverythingTheFormatAllowsItsTokensGetEqualScores() {
    TokenConstraint c = gpt2.constraint(ResponseFormat.parse("choice:[\"yes\"]"), 0);
    TokenHistory h = new TokenHistory(new int[] {1}, c);
    h.append(8505);
    float[] s = randomScores(4);
    s[EOS] = NEG; // say min_new_tokens banned eos, the only way on
    new ResponseFormatProcessor(List.of(EOS)).process(h, s);
    assertEquals(0f, s[EOS]);
    assertEquals(1, finite(s));
  }

  @Test
  void thePipelinePutsTheFormatAfterTheEosBanAndBeforeTheWarpers() {
    GenerationConfig config = GenerationConfig.fromMap(Map.of("do_sample", "true", "top_k", "5", "min_new_tokens", "2",
        "eos_token_id", "50256", "repetition_penalty", "1.2"), GenerationConfig.defaults());
    List<String> names = LogitsPipeline.forConfig(config, true).processors().stream()
        .map(x -> x.getClass().getSimpleName()).toList();
    assertEquals(List.of("RepetitionPenaltyProcessor", "MinNewTokensProcessor", "ResponseFormatProcessor", "TopKWarper"),
        names);
    assertTrue(LogitsPipeline.forConfig(config).processors().stream().noneMatch(x -> x instanceof ResponseFormatProcessor),
        "batches without formats keep the plain pipeline");
  }
}
