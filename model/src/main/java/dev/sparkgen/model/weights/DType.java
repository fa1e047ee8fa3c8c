package dev.sparkgen.model.weights;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Storage dtypes of safetensors that sparkgen reads; all are computed in float32. */
public enum DType {
  F32(4),
  F16(2),
  BF16(2);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** Parses a safetensors dtype code, naming the file and tensor when it is not supported. */
  public static DType parse(String code, String file, String tensor) {
    for (DType t : values()) {
      if (t.name().equals(code)) {
        return t;
      }
    }
    throw new CheckpointException(
        file + ": tensor '" + tensor + "' has unsupported dtype '" + code + "' (supported: "
            + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")) + ")");
  }

  /** Converts IEEE half-precision bits to float (Java 17 has no Float.float16ToFloat). */
  public static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) { // inf or NaN
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      // subnormal: value = mant * 2^-24
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** Rounds a float to bfloat16 bits, to nearest with ties to even (NaN stays a quiet NaN). */
  public static short floatToBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  /** Converts bfloat16 bits to float: bf16 is the top half of a float32. */
  public static float bf16ToFloat(short b) {
    return Float.intBitsToFloat((b & 0xffff) << 16);
  }
}
