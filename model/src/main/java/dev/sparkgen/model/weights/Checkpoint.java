package dev.sparkgen.model.weights;

import dev.sparkgen.model.config.ModelConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated set of weights for one {@link ModelConfig}: every tensor the family needs, with the
 * right shape, by canonical name. It keeps the files it reads from open until closed.
 */
public final class Checkpoint implements AutoCloseable {
  private final ModelConfig config;
  private final Map<String, WeightSource> tensors;
  private final List<AutoCloseable> resources;

  /**
   * Checks {@code found} (canonical names) against what {@code config}'s family needs; {@code where}
   * names the files in messages.
   */
  public Checkpoint(ModelConfig config, Map<String, WeightSource> found, String where, List<? extends AutoCloseable> resources) {
    this.config = config;
    this.resources = new ArrayList<>(resources);
    Map<String, WeightSource> ordered = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : config.family().tensorShapes(config).entrySet()) {
      String name = config.family().fileName(e.getKey());
      WeightSource w = found.get(e.getKey());
      if (w == null) {
        throw new CheckpointException(where + ": missing tensor '" + name + "' (expected shape "
            + Arrays.toString(e.getValue()) + ")");
      }
      if (!Arrays.equals(w.shape(), e.getValue())) {
        throw new CheckpointException(where + ": tensor '" + name + "' has shape " + Arrays.toString(w.shape())
            + " but the config needs " + Arrays.toString(e.getValue()));
      }
      ordered.put(e.getKey(), w);
    }
    for (String name : found.keySet()) {
      // A tied model ignores a stored lm_head.weight, as transformers does when it ties the weights.
      boolean tiedHead = config.tieWordEmbeddings() && name.equals("lm_head.weight");
      if (!ordered.containsKey(name) && !tiedHead) {
        throw new CheckpointException(where + ": unexpected tensor '" + config.family().fileName(name) + "': a "
            + config.family().modelType() + " model with this config.json has no such weight (check attention_bias,"
            + " mlp_bias, tie_word_embeddings and num_hidden_layers)");
      }
    }
    this.tensors = ordered;
  }

  /** The architecture. */
  public ModelConfig config() {
    return config;
  }

  /** Weights by canonical name, in the family's order. */
  public Map<String, WeightSource> tensors() {
    return tensors;
  }

  /** One weight by canonical name. */
  public WeightSource tensor(String canonical) {
    WeightSource w = tensors.get(canonical);
    if (w == null) {
      throw new IllegalArgumentException("no tensor " + canonical);
    }
    return w;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        if (first == null) {
          first = new IOException(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
