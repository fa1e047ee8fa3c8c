package dev.sparkgen.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.core.Linear;

/**
 * The gated MLP of Llama-style models: {@code down(act(gate(x)) * up(x))} (SwiGLU with SiLU,
 * GeGLU with GELU); gate and up are fused into one [2 ff, d] projection so that one GEMM serves
 * both (Phi-3 stores them fused; the others are concatenated at load).
 */
public record GatedMlp(NDArray gateUpWeight, NDArray gateUpBias, NDArray downWeight, NDArray downBias, long ff,
    MlpActivation activation, GeluConstants k) implements Mlp {
  @Override
  public NDArray apply(NDArray x) {
    NDArray gu = gateUpBias == null
        ? Linear.linear(x, gateUpWeight).singletonOrThrow()
        : Linear.linear(x, gateUpWeight, gateUpBias).singletonOrThrow(); // [B, T, 2*ff]
    NDList halves = gu.split(new long[] {ff}, gu.getShape().dimension() - 1); // one native call for both views
    NDArray h = activation.apply(halves.get(0), k).mul(halves.get(1)); // act(gate) * up, [B, T, ff]
    return downBias == null
        ? Linear.linear(h, downWeight).singletonOrThrow()
        : Linear.linear(h, downWeight, downBias).singletonOrThrow();
  }
}
