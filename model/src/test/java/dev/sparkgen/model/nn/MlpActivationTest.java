package dev.sparkgen.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.sparkgen.model.DjlEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Each activation computes its Hugging Face formula: {@code gelu} is the exact erf GELU (what the
 * original Gemma configs name), distinct from the tanh approximation by up to ~5e-4, which a test
 * with tolerance 1e-6 tells apart.
 */
class MlpActivationTest {
  static final float[] XS = {-6f, -3.5f, -2.2f, -1f, -0.3f, 0f, 0.25f, 0.9f, 1.7f, 2.4f, 4f, 5f};

  @Test
  void eachActivationMatchesItsFormula() {
    try (NDManager m = DjlEnvironment.engine().newBaseManager()) {
      GeluConstants k = GeluConstants.create(m);
      NDArray x = m.create(XS);
      float[] gelu = MlpActivation.of("gelu").apply(x, k).toFloatArray();
      float[] tanh = MlpActivation.of("gelu_pytorch_tanh").apply(x, k).toFloatArray();
      float[] silu = MlpActivation.of("silu").apply(x, k).toFloatArray();
      double apart = 0;
      for (int i = 0; i < XS.length; i++) {
        double v = XS[i];
        assertEquals(v * 0.5 * (1 + erf(v / Math.sqrt(2))), gelu[i], 1e-6, "gelu(" + v + ")");
        double tanhGelu = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        assertEquals(tanhGelu, tanh[i], 1e-6, "gelu_pytorch_tanh(" + v + ")");
        assertEquals(v / (1 + Math.exp(-v)), silu[i], 1e-6, "silu(" + v + ")");
        apart = Math.max(apart, Math.abs(tanhGelu - gelu[i]));
      }
      assertTrue(apart > 1e-4, "the two GELUs must differ for the test to tell them apart: " + apart);
    }
  }

  @Test
  void namesMapAsInTransformers() {
    assertEquals(MlpActivation.SILU, MlpActivation.of("swish"));
    assertEquals(MlpActivation.GELU_TANH, MlpActivation.of("gelu_new"));
    assertThrows(IllegalArgumentException.class, () -> MlpActivation.of("relu"));
  }

  /** erf by its Taylor series in double: within ~1e-10 for |x| <= 4 (where the cancellation stays small). */
  static double erf(double x) {
    if (Math.abs(x) > 5) {
      return Math.signum(x);
    }
    double sum = 0;
    double term = x; // (-1)^n x^(2n+1) / n!
    for (int n = 0; n < 200; n++) {
      sum += term / (2 * n + 1);
      term *= -x * x / (n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }
}
