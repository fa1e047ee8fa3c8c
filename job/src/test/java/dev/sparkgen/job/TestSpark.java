package dev.sparkgen.job;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.generate.Generator;
import dev.sparkgen.model.generate.PromptInput;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;

/** Test fixtures: the golden checkpoint, settings from key-value pairs, per-prompt reference generation (sessions: {@link LocalSpark}). */
final class TestSpark {
  /** The model module's golden GPT-2 (vocab 64, context 64), reached from the job module's folder. */
  static final Path GPT2_TINY = Path.of("../model/src/test/resources/golden/gpt2-tiny").toAbsolutePath().normalize();
  /** The GPT-2 tokenizer bundled for the demo. */
  static final Path GPT2_TOKENIZER = Path.of("../conf/demo/gpt2/tokenizer.json").toAbsolutePath().normalize();

  private TestSpark() {}

  /** Settings from alternating keys and values. */
  static JobConfig settings(String... kv) {
    return settings(java.util.Map.of(), kv);
  }

  /** {@code base}, overridden by alternating keys and values. */
  static JobConfig settings(java.util.Map<String, String> base, String... kv) {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>(base);
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return JobConfig.of(m);
  }

  /** What the model module's Generator gives for one prompt alone: the reference for every job row. */
  static List<Sequence> alone(ResolvedModel model, Tokenizer tokenizer, long key, int[] ids) {
    try (CausalLm lm = CausalLm.of(model.checkpoint())) {
      return new Generator(lm, model.generation(), tokenizer).generate(List.of(new PromptInput(key, ids)), 1).get(0);
    }
  }
}
