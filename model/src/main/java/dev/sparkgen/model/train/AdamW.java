package dev.sparkgen.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (decoupled weight decay) with its moments held as named tensors, so that a training run
 * can be saved and resumed exactly. Decay applies to matrices only, not to norms and biases.
 */
public final class AdamW {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final Map<String, NDArray> m = new LinkedHashMap<>();
  private final Map<String, NDArray> v = new LinkedHashMap<>();

  public AdamW(double beta1, double beta2, double eps, double weightDecay) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  /**
   * Updates every parameter in place from its gradient; {@code step} is 1-based (bias correction).
   */
  public void update(Map<String, NDArray> params, Map<String, NDArray> grads, double lr, int step, NDManager manager) {
    double c1 = 1 - Math.pow(beta1, step);
    double c2 = 1 - Math.pow(beta2, step);
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      String name = e.getKey();
      NDArray p = e.getValue();
      NDArray g = grads.get(name);
      NDArray mi = m.computeIfAbsent(name, k -> persistent(manager, p));
      NDArray vi = v.computeIfAbsent(name, k -> persistent(manager, p));
      mi.muli(beta1).addi(g.mul(1 - beta1));
      vi.muli(beta2).addi(g.square().mul(1 - beta2));
      NDArray update = mi.div(c1).div(vi.div(c2).sqrt().add(eps));
      if (p.getShape().dimension() >= 2 && weightDecay > 0) {
        update = update.add(p.mul(weightDecay));
      }
      p.subi(update.mul(lr));
    }
  }

  private static NDArray persistent(NDManager manager, NDArray like) {
    NDArray z = manager.zeros(like.getShape());
    ai.djl.ndarray.NDScope.unregister(z); // lives as long as the optimizer, not the step's scope
    return z;
  }

  /** First moments by parameter name (for saving). */
  public Map<String, NDArray> firstMoments() {
    return m;
  }

  /** Second moments by parameter name (for saving). */
  public Map<String, NDArray> secondMoments() {
    return v;
  }

  /** Restores saved moments (each tensor is taken over, not copied). */
  public void restore(Map<String, NDArray> first, Map<String, NDArray> second) {
    m.putAll(first);
    v.putAll(second);
  }
}
