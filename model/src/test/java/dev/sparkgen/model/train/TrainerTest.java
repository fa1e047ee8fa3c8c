package dev.sparkgen.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DjlEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on a tiny model: it learns, resumes exactly, and saves a folder the inference model reads. */
class TrainerTest {
  static final Path DATA = Path.of("data/fortunes");

  private static TrainConfig tiny(Path dir, int steps, boolean resume) {
    return tiny(dir, steps, resume, 0);
  }

  private static TrainConfig tiny(Path dir, int steps, boolean resume, int until) {
    return TrainConfig.parse("--data=" + DATA, "--out=" + dir.resolve("out"), "--state=" + dir.resolve("state"),
        "--layers=1", "--hidden=32", "--heads=2", "--context=32", "--batch=8", "--steps=" + steps,
        "--warmup=5", "--lr=0.01", "--min_lr=0.001", "--eval_every=10", "--eval_batches=4", "--threads=1",
        "--resume=" + resume, "--until=" + until);
  }

  @Test
  void trainingAFewStepsLowersTheValidationLoss(@TempDir Path dir) throws Exception {
    DjlEnvironment.engine();
    TrainConfig cfg = tiny(dir, 40, false);
    Trainer trainer = new Trainer(cfg, ByteCorpus.read(DATA.resolve("train.txt")), ByteCorpus.read(DATA.resolve("valid.txt")));
    double before;
    try (TrainableGpt2 fresh = TrainableGpt2.init(trainer.modelConfig(), cfg.seed())) {
      before = trainer.evaluate(fresh, 4);
    }
    double after = trainer.run();
    assertTrue(after < before - 0.5, "validation loss " + before + " -> " + after);
    assertTrue(Files.isRegularFile(dir.resolve("out/tokenizer.json")));
    assertTrue(Files.isRegularFile(dir.resolve("out/generation_config.json")));
  }

  @Test
  void resumingContinuesToTheSameWeightsAsAnUninterruptedRun(@TempDir Path dir) throws Exception {
    ByteCorpus train = ByteCorpus.read(DATA.resolve("train.txt"));
    ByteCorpus valid = ByteCorpus.read(DATA.resolve("valid.txt"));
    new Trainer(tiny(dir.resolve("a"), 20, false), train, valid).run();
    new Trainer(tiny(dir.resolve("b"), 20, false, 10), train, valid).run(); // stops at 10, state saved
    new Trainer(tiny(dir.resolve("b"), 20, true), train, valid).run(); // resumes at 10
    try (CausalLm a = CausalLm.load(dir.resolve("a/out")); CausalLm b = CausalLm.load(dir.resolve("b/out"))) {
      int[] prompt = ByteTokenizer.encode("Fortune favours");
      float[][] la = a.allLogits(prompt);
      float[][] lb = b.allLogits(prompt);
      for (int t = 0; t < la.length; t++) {
        assertArrayEquals(la[t], lb[t], 1e-4f, "position " + t);
      }
    }
  }

  @Test
  void theByteTokenizerJsonRoundTripsThroughDjl(@TempDir Path dir) throws Exception {
    DjlEnvironment.apply();
    ByteTokenizer.write(dir);
    String text = "Zippy says: ¿qué?\n\tTabs & newlines";
    try (ai.djl.huggingface.tokenizers.HuggingFaceTokenizer t = ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.builder()
        .optTokenizerPath(dir.resolve("tokenizer.json")).optAddSpecialTokens(false).build()) {
      long[] ids = t.encode(text).getIds();
      int[] expected = ByteTokenizer.encode(text);
      assertEquals(expected.length, ids.length);
      for (int i = 0; i < ids.length; i++) {
        assertEquals(expected[i], ids[i], "token " + i);
      }
      assertEquals(text, t.decode(ids));
    }
  }
}
