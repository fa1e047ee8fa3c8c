package dev.sparkgen.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.generate.search.TokenSelector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed demo model: it loads with the inference model, scores as documented, decodes deterministically. */
class DemoModelTest {
  static final Path DEMO = Path.of("demo/fortunes-gpt2");
  static CausalLm lm;

  @BeforeAll
  static void load() {
    lm = CausalLm.load(DEMO);
  }

  @AfterAll
  static void close() {
    lm.close();
  }

  @Test
  void validationLossMatchesTheTrainingReportAndTheReadme() throws Exception {
    JsonObject report = JsonParser.parseString(Files.readString(DEMO.resolve("training_report.json"))).getAsJsonObject();
    double documented = report.get("validation_loss").getAsDouble();
    int context = report.get("context").getAsInt();
    int[] stream = ByteCorpus.read(Path.of("data/fortunes/valid.txt")).tokens();
    double nll = 0;
    long count = 0;
    for (int w = 0; (w + 1) * context < stream.length; w++) {
      int[] window = Arrays.copyOfRange(stream, w * context, (w + 1) * context);
      float[][] logits = lm.allLogits(window);
      for (int t = 0; t < context; t++) {
        nll -= logSoftmax(logits[t], stream[w * context + t + 1]);
        count++;
      }
    }
    double loss = nll / count;
    assertEquals(documented, loss, 2e-3, "validation loss through CausalLm vs training_report.json");
    String readme = Files.readString(Path.of("../README.md"));
    String shown = String.format(Locale.ROOT, "%.3f", documented);
    assertTrue(readme.contains(shown), "README.md should state the validation loss " + shown);
  }

  @Test
  void greedyDecodingIsDeterministicAndMatchesRecompute() {
    int[] prompt = ByteTokenizer.encode("A penny saved is");
    int[] tokens = greedy(prompt, 40);
    assertArrayEquals(tokens, greedy(prompt, 40), "a second run");
    // The same tokens without the KV cache: the whole sequence re-run at every step, argmax of its last position.
    int[] seq = Arrays.copyOf(prompt, prompt.length + tokens.length);
    for (int i = 0; i < tokens.length; i++) {
      float[][] logits = lm.allLogits(Arrays.copyOf(seq, prompt.length + i)); // [positions][V]
      seq[prompt.length + i] = TokenSelector.argmax(logits[logits.length - 1]);
    }
    assertArrayEquals(Arrays.copyOfRange(seq, prompt.length, seq.length), tokens, "cached decoding vs recompute");
  }

  private static int[] greedy(int[] prompt, int n) {
    int[] out = new int[n];
    try (DecodeBatch batch = lm.open(List.of(prompt), n)) {
      float[] logits = batch.prefill()[0];
      for (int i = 0; i < n; i++) {
        out[i] = TokenSelector.argmax(logits);
        if (i + 1 < n) {
          logits = batch.step(new int[] {out[i]})[0];
        }
      }
    }
    return out;
  }

  private static double logSoftmax(float[] x, int target) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : x) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : x) {
      sum += Math.exp(v - max);
    }
    return x[target] - max - Math.log(sum);
  }
}
