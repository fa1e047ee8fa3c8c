package dev.sparkgen.model.bench;

import dev.sparkgen.model.config.ModelConfig;
import java.util.Map;

/**
 * Work per generated token of a model, prefill included: matmul FLOPs (2 per weight of every
 * projection; the output head only once per generated token, since prefill computes last-position
 * logits only; embedding lookups are free), attention FLOPs at the mean context, the prompt's
 * share amortised over the generated tokens; and the bytes of fp32 weights one decode step reads.
 */
record ModelCost(long matmulParams, double flopsPerToken, double weightBytesPerStep) {
  static ModelCost of(ModelConfig c, int prompt, int newTokens) {
    long body = 0;
    long head = (long) c.vocabSize() * c.hiddenSize();
    for (Map.Entry<String, long[]> e : c.family().tensorShapes(c).entrySet()) {
      long[] s = e.getValue();
      String n = e.getKey();
      boolean embeddingOrHead = n.equals("wte.weight") || n.equals("wpe.weight") || n.equals("embed_tokens.weight")
          || n.equals("lm_head.weight");
      if (s.length == 2 && !embeddingOrHead) {
        body += s[0] * s[1];
      }
    }
    // q·k and p·v: 2 FLOPs per multiply-add, each heads * headDim * context per layer.
    double attnPerContext = 4.0 * c.numLayers() * c.numHeads() * c.headDim();
    double decode = newTokens * (2.0 * (body + head) + attnPerContext * (prompt + (newTokens - 1) / 2.0));
    double prefill = prompt * (2.0 * body + attnPerContext * (prompt + 1) / 2.0);
    return new ModelCost(body + head, (decode + prefill) / newTokens, 4.0 * (body + head));
  }
}
