package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

/**
 * Llama's MLP: {@code down(silu(gate(x)) * up(x))}; gate and up are fused into one [2*ff, d]
 * projection so that one GEMM serves both.
 */
public record SwiGluMlp(NDArray gateUpWeight, NDArray gateUpBias, NDArray downWeight, NDArray downBias, long ff) implements Mlp {
  @Override
  public NDArray apply(NDArray x) {
    NDArray gu = gateUpBias == null
        ? Linear.linear(x, gateUpWeight).singletonOrThrow()
        : Linear.linear(x, gateUpWeight, gateUpBias).singletonOrThrow(); // [B, T, 2*ff]
    NDList halves = gu.split(new long[] {ff}, gu.getShape().dimension() - 1); // one native call for both views
    NDArray gate = halves.get(0);
    NDArray up = halves.get(1);
    NDArray h = Activation.sigmoid(gate).mul(gate).mul(up); // silu(gate) * up
    return downBias == null
        ? Linear.linear(h, downWeight).singletonOrThrow()
        : Linear.linear(h, downWeight, downBias).singletonOrThrow();
  }
}
