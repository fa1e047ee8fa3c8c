package dev.sparkgen.model.bench;

import dev.sparkgen.model.config.ModelConfig;
import java.util.Map;

/**
 * Work per generated token of a model: matmul FLOPs (2 per weight of every projection and of the
 * output head; embedding lookups are free), attention FLOPs at the mean context of the run, and
 * the bytes of fp32 weights one decode step streams from memory.
 */
record ModelCost(long matmulParams, double flopsPerToken, double weightBytesPerStep) {
  static ModelCost of(ModelConfig c, int prompt, int newTokens) {
    long params = 0;
    for (Map.Entry<String, long[]> e : c.family().tensorShapes(c).entrySet()) {
      long[] s = e.getValue();
      boolean lookupOnly = e.getKey().equals("wpe.weight")
          || (e.getKey().equals("embed_tokens.weight") && !c.tieWordEmbeddings());
      if (s.length == 2 && !lookupOnly) {
        params += s[0] * s[1]; // wte (GPT-2) and tied embed_tokens count once: they are the head
      }
    }
    double meanContext = prompt + (newTokens - 1) / 2.0;
    // q·k and p·v: 2 FLOPs per multiply-add, each heads * headDim * context per layer.
    double attention = 4.0 * c.numLayers() * c.numHeads() * c.headDim() * meanContext;
    return new ModelCost(params, 2.0 * params + attention, 4.0 * params);
  }
}
