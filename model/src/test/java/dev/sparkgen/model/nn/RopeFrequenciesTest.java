package dev.sparkgen.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.sparkgen.model.Golden;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.weights.HfFolder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The RoPE tables and per-layer windows that each golden's {@code config.json} yields equal the ones
 * the reference used ({@code rope}, {@code layer_sliding_window} in golden.json): every RoPE type
 * (default, linear, llama3, yarn in both layouts, longrope with partial rotary), every window rule.
 */
class RopeFrequenciesTest {
  static List<String> goldens() {
    return Golden.NAMES.stream().filter(n -> Golden.load(n).json().has("rope")).toList();
  }

  @ParameterizedTest
  @MethodSource("goldens")
  void tablesAndWindowsEqualTheReference(String name) {
    Golden g = Golden.load(name);
    ModelConfig c = HfFolder.readConfig(g.dir());
    JsonObject want = g.json().getAsJsonObject("rope");
    RopeFrequencies got = RopeFrequencies.of(c.rope(), c.headDim(), c.maxPositions());
    assertEquals(want.get("rope_type").getAsString(), c.rope().ropeType(), name);
    assertEquals(want.get("rotary_dim").getAsInt(), got.rotaryDim(), name + " rotary dim");
    assertEquals(want.get("attention_factor").getAsDouble(), got.attentionFactor(), 1e-6, name + " attention factor");
    assertClose(Golden.floats(want.getAsJsonArray("inv_freq")), got.invFreq(), name + " inv_freq");
    if (want.get("inv_freq_long").isJsonNull()) {
      assertNull(got.invFreqLong(), name);
      assertEquals(Integer.MAX_VALUE, got.longAfter(), name);
    } else {
      assertClose(Golden.floats(want.getAsJsonArray("inv_freq_long")), got.invFreqLong(), name + " inv_freq_long");
      assertEquals(want.get("long_if_seq_len_over").getAsInt(), got.longAfter(), name);
    }
    List<Integer> windows = new ArrayList<>();
    for (JsonElement w : g.json().getAsJsonArray("layer_sliding_window")) {
      windows.add(w.isJsonNull() ? null : w.getAsInt());
    }
    assertEquals(windows, c.layerWindows(), name + " windows");
  }

  /** Within 2 float32 ulps: the reference's torch kernels and Java's libm may round differently. */
  private static void assertClose(float[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) {
      assertTrue(Math.abs(want[i] - got[i]) <= 2 * Math.ulp(want[i]), what + "[" + i + "]: " + got[i] + " vs " + want[i]);
    }
  }
}
