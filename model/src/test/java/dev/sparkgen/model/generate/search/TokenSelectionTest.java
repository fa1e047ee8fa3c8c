package dev.sparkgen.model.generate.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/** Greedy argmax, inverse-CDF draws and the derivation of sampling streams. */
class TokenSelectionTest {
  static final float NEG = Float.NEGATIVE_INFINITY;

  @Test
  void greedyTakesTheFirstIndexOnTies() {
    assertEquals(1, TokenSelector.argmax(new float[] {0f, 3f, 1f, 3f}));
    assertEquals(0, TokenSelector.argmax(new float[] {NEG, NEG}));
  }

  @Test
  void inverseCdfTakesTheFirstIndexWhoseCumulativeMassExceedsU() {
    float l = (float) Math.log(2);
    float[] scores = {0f, NEG, 0f, l}; // probabilities 0.25, 0, 0.25, 0.5
    assertEquals(0, InverseCdf.draw(scores, 0.0));
    assertEquals(0, InverseCdf.draw(scores, 0.2));
    assertEquals(2, InverseCdf.draw(scores, 0.3));
    assertEquals(3, InverseCdf.draw(scores, 0.5)); // 0.5 does not exceed 0.5: the next token
    assertEquals(3, InverseCdf.draw(scores, 0.999999));
  }

  @Test
  void seededStreamsAreAFunctionOfSeedKeyAndSampleIndex() {
    double a = new SeededUniforms(7).stream(42, 0).getAsDouble();
    assertEquals(a, new SeededUniforms(7).stream(42, 0).getAsDouble());
    assertNotEquals(a, new SeededUniforms(8).stream(42, 0).getAsDouble());
    assertNotEquals(a, new SeededUniforms(7).stream(43, 0).getAsDouble());
    assertNotEquals(a, new SeededUniforms(7).stream(42, 1).getAsDouble());
    DoubleSupplier s = new SeededUniforms(7).stream(42, 0);
    s.getAsDouble();
    assertNotEquals(a, s.getAsDouble(), "successive draws of one stream differ");
  }
}
