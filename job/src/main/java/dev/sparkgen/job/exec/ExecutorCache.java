package dev.sparkgen.job.exec;

import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.generate.constraint.TokenVocabulary;
import dev.sparkgen.model.tokenizer.Tokenizer;
import dev.sparkgen.model.weights.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Models and tokenizers built once per JVM (executor) and shared by its concurrent tasks, keyed by
 * the sha256 of their bytes. Counts model loads so that a run can report them per executor.
 * Entries live until the JVM ends (an executor serves one application).
 */
public final class ExecutorCache {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorCache.class);
  private static final Map<String, CausalLm> MODELS = new ConcurrentHashMap<>();
  private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();
  private static final Map<String, Integer> LOADS = new ConcurrentHashMap<>();
  private static final Map<String, TokenVocabulary> VOCABULARIES = new ConcurrentHashMap<>();

  private ExecutorCache() {}

  /** The model for {@code source}, built on first use; concurrent callers wait for that one build. */
  public static CausalLm model(ModelSource source) {
    // computeIfAbsent blocks other callers of the same key until the build is done: one load per JVM.
    return MODELS.computeIfAbsent(source.sha256(), key -> {
      long t0 = System.nanoTime();
      try (Checkpoint ckpt = source.open()) {
        CausalLm lm = CausalLm.of(ckpt);
        LOADS.merge(key, 1, Integer::sum);
        LOG.info("built model {} ({} parameters) in {} ms", key.substring(0, 12), ckpt.config().parameterCount(),
            (System.nanoTime() - t0) / 1_000_000);
        return lm;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** The tokenizer for {@code source} (null for none), built on first use. */
  public static Tokenizer tokenizer(TokenizerSource source) {
    if (source == null) {
      return null;
    }
    return TOKENIZERS.computeIfAbsent(source.sha256(), key -> {
      try {
        Path file = Files.createTempFile("sparkgen-tokenizer-" + key.substring(0, 12), ".json");
        file.toFile().deleteOnExit();
        Files.write(file, source.json().value());
        return Tokenizer.load(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /**
   * The response-format vocabulary of {@code source}'s tokenizer (token bytes and trie, and the
   * formats compiled against it), built on first use and shared by the JVM's tasks.
   */
  public static TokenVocabulary vocabulary(TokenizerSource source) {
    Tokenizer tokenizer = tokenizer(source);
    if (tokenizer == null) {
      throw new IllegalStateException("a response format needs a tokenizer");
    }
    return VOCABULARIES.computeIfAbsent(source.sha256(), key -> TokenVocabulary.load(tokenizer.file()));
  }

  /** How many times this JVM built the model with this sha256 (1 after first use, never more). */
  public static int modelLoads(String sha256) {
    return LOADS.getOrDefault(sha256, 0);
  }
}
