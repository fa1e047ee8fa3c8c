package dev.sparkgen.model.weights;

/** One tensor's entry in a safetensors header: dtype, shape and byte range within the data area. */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

  /** Number of elements. */
  public long numel() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
