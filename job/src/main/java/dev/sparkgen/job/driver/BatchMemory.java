package dev.sparkgen.job.driver;

import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Generator;
import java.util.Locale;

/**
 * The most native memory one batch can need on an executor, from the model's shape and the
 * settings alone (the driver does not know the prompts' lengths, so it assumes the worst: the
 * longest prompt fills the context but one position, the shortest has one token). All float32:
 *
 * <ul>
 *   <li>KV cache: 2 (keys, values) x layers x rows x kvHeads x positions x headDim x 4 bytes, where
 *       positions = longest prompt + new tokens = (context - 1) + min(max_new_tokens, context - 1),
 *       because the cache is left-padded to the longest prompt;
 *   <li>prefill attention, one layer at a time: scores and probabilities, 2 x rows x heads x P x P x 4;
 *   <li>prefill activations: rows x P x (query/key/value width + MLP width + 2 x hidden) x 4;
 *   <li>logits: [rows, vocab] natively and as a Java copy, 2 x rows x vocab x 4.
 * </ul>
 *
 * Rows are what the generator puts in one batch ({@link Generator#promptsPerBatch}): batch_size
 * counts rows, num_return_sequences (or num_beams) per prompt, so batch_size / that many prompts,
 * at least one prompt. The weights are not included (one
 * copy per executor, shared by its tasks); each concurrently running task needs its own batch.
 */
public record BatchMemory(int rows, int positions, long kvCache, long attention, long activations, long logits) {

  /** The estimate for batches of {@code batchSize} with this model and these settings. */
  public static BatchMemory of(ModelConfig c, GenerationConfig g, int batchSize) {
    long rows = (long) Generator.rowsPerPrompt(g) * Generator.promptsPerBatch(g, batchSize);
    long prompt = c.maxPositions() - 1L;
    long positions = prompt + Math.min(g.maxNewTokens(), c.maxPositions() - 1L);
    long kv = 2L * c.numLayers() * rows * c.numKvHeads() * positions * c.headDim() * Float.BYTES;
    long attention = 2L * rows * c.numHeads() * prompt * prompt * Float.BYTES;
    long width = (long) (c.numHeads() + 2L * c.numKvHeads()) * c.headDim() + c.intermediateSize() + 2L * c.hiddenSize();
    long activations = rows * prompt * width * Float.BYTES;
    long logits = 2L * rows * c.vocabSize() * Float.BYTES;
    return new BatchMemory((int) rows, (int) positions, kv, attention, activations, logits);
  }

  /** The whole estimate in bytes. */
  public long total() {
    return kvCache + attention + activations + logits;
  }

  /** The largest batch_size whose estimate fits {@code budget}; 0 if not even one prompt fits. */
  public static int largestFitting(ModelConfig c, GenerationConfig g, long budget, int upTo) {
    int lo = 0;
    int hi = upTo;
    while (lo < hi) { // the estimate grows with batch_size
      int mid = (lo + hi + 1) >>> 1;
      if (of(c, g, mid).total() <= budget) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** The breakdown, for messages. */
  public String describe() {
    return String.format(Locale.ROOT, "%s (KV cache %s for %d rows x %d positions, prefill attention %s, activations %s,"
        + " logits %s)", size(total()), size(kvCache), rows, positions, size(attention), size(activations), size(logits));
  }

  /** Bytes as text in powers of 1024. */
  public static String size(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
