package dev.sparkgen.model.weights;

import java.nio.FloatBuffer;

/** One weight tensor's float32 values, read in pieces so no tensor needs a single huge array. */
public interface WeightSource {

  /** Shape as stored in the Hugging Face file. */
  long[] shape();

  /** Reads elements {@code [from, from + count)} into {@code dst}. */
  void read(long from, int count, FloatBuffer dst);

  /** Number of elements. */
  default long numel() {
    long n = 1;
    for (long d : shape()) {
      n *= d;
    }
    return n;
  }

  /** A tensor held in a Java array (random initialisation, tests). */
  static WeightSource of(float[] data, long... shape) {
    return new WeightSource() {
      @Override
      public long[] shape() {
        return shape.clone();
      }

      @Override
      public void read(long from, int count, FloatBuffer dst) {
        dst.put(data, (int) from, count);
      }
    };
  }

  /** A tensor inside a safetensors file. */
  static WeightSource of(SafetensorsFile file, TensorInfo info) {
    return new WeightSource() {
      @Override
      public long[] shape() {
        return info.shape().clone();
      }

      @Override
      public void read(long from, int count, FloatBuffer dst) {
        file.readFloats(info, from, count, dst);
      }
    };
  }
}
