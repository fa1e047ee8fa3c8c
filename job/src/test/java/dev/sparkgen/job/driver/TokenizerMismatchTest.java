package dev.sparkgen.job.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.config.JobConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ResolvedModel#tokenizerMismatch}: a tokenizer whose ids reach past the model's vocabulary is named. */
class TokenizerMismatchTest {
  private static final Path GPT2_TINY = Path.of("../model/src/test/resources/golden/gpt2-tiny").toAbsolutePath().normalize();
  private static final Path GPT2_TOKENIZER = Path.of("../conf/demo/gpt2/tokenizer.json").toAbsolutePath().normalize();

  @Test
  void aLargerTokenizerThanTheModelsVocabularyIsNamedWithBothSizes() {
    try (ResolvedModel m = ResolvedModel.resolve(JobConfig.of(Map.of("model", GPT2_TINY.toString(),
        "tokenizer", GPT2_TOKENIZER.toString())))) {
      String why = m.tokenizerMismatch();
      assertTrue(why != null && why.contains(GPT2_TOKENIZER.toString()) && why.contains("ids up to 50256")
          && why.contains("vocabulary of 64"), why);
    }
  }

  @Test
  void theModelsOwnTokenizerAndARandomModelSizedToItAreFine() {
    try (ResolvedModel own = ResolvedModel.resolve(JobConfig.of(Map.of("model", GPT2_TINY.toString())))) {
      assertEquals(64, own.checkpoint().config().vocabSize());
      assertNull(own.tokenizerMismatch());
    }
    try (ResolvedModel random = ResolvedModel.resolve(JobConfig.of(Map.of("model", "random",
        "tokenizer", GPT2_TOKENIZER.toString())))) {
      assertNull(random.tokenizerMismatch());
    }
  }
}
