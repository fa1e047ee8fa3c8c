package dev.sparkgen.model.bench;

import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.tokenizer.TestTokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A tokenizer.json for each benchmark checkpoint: Jlama refuses a model folder without one. The
 * benchmarks feed token ids, so the tokenizer is never used to encode: GPT-2 gets the real GPT-2
 * tokenizer; the Llama shape gets a made-up byte-fallback BPE of exactly vocab_size entries
 * ({@code <unk> <s> </s>}, 256 byte tokens, then placeholder words; {@link TestTokenizers#byteFallbackBpe}).
 */
final class BenchTokenizers {
  private BenchTokenizers() {}

  static void write(ModelConfig config, Path dir) throws IOException {
    Path target = dir.resolve("tokenizer.json");
    if (Files.isRegularFile(target)) {
      return;
    }
    if (config.family() == ModelFamily.GPT2) {
      Files.copy(TestTokenizers.GPT2, target, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    List<String> words = new ArrayList<>();
    for (int w = 0; TestTokenizers.FIRST_PIECE + words.size() < config.vocabSize(); w++) {
      words.add("\u2581t" + w);
    }
    TestTokenizers.byteFallbackBpe(target, words, TestTokenizers.Decoder.NONE);
  }
}
