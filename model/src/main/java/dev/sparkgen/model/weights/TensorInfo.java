package dev.sparkgen.model.weights;

import java.util.Arrays;

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

  /** The shape as text, e.g. {@code [64, 192]}. */
  public String shapeText() {
    return Arrays.toString(shape);
  }
}
