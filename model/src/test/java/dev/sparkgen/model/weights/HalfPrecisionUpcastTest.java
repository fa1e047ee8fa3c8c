package dev.sparkgen.model.weights;

import static dev.sparkgen.model.weights.SafetensorsBytes.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BF16 and F16 tensors read back as the exact float32 values their bit patterns encode. */
class HalfPrecisionUpcastTest {
  @TempDir Path dir;

  @Test
  void bf16AndF16ReadBackAsExactFloats() throws IOException {
    int[] bf16 = {0x3F80, 0xC000, 0x3E20, 0x0001, 0x7F7F, 0x8000, 0x0080};
    float[] bf16Want = {1f, -2f, 0.15625f, Float.intBitsToFloat(0x00010000), Float.intBitsToFloat(0x7F7F0000), -0f,
        Float.MIN_NORMAL};
    int[] f16 = {0x3C00, 0xC000, 0x3555, 0x0001, 0x7BFF, 0x8000, 0x0400, 0x83FF};
    float[] f16Want = {1f, -2f, 0.333251953125f, 0x1p-24f, 65504f, -0f, 0x1p-14f, -1023 * 0x1p-24f};
    byte[] a = SafetensorsBytes.u16(bf16);
    byte[] b = SafetensorsBytes.u16(f16);
    byte[] data = new byte[a.length + b.length];
    System.arraycopy(a, 0, data, 0, a.length);
    System.arraycopy(b, 0, data, a.length, b.length);
    String header = "{" + entry("b", "BF16", "[7]", 0, a.length) + ", "
        + entry("h", "F16", "[2, 4]", a.length, data.length) + "}";
    Path file = SafetensorsBytes.write(dir.resolve("half.safetensors"), header, data);
    try (SafetensorsFile f = SafetensorsFile.open(new FileByteSource(file))) {
      assertBits(bf16Want, read(f, "b"), "BF16");
      assertBits(f16Want, read(f, "h"), "F16");
    }
  }

  @Test
  void bf16WriterRoundsToNearestEvenAndReadsBack() throws IOException {
    float[] in = {1f, 1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 1 + 0x1p-8f + 0x1p-20f, -2.5f, 0f, 3.0e38f};
    float[] want = {1f, 1f, 1 + 0x1p-6f, 1 + 0x1p-7f, -2.5f, 0f, Float.intBitsToFloat(0x7F62 << 16)};
    Path file = dir.resolve("w.safetensors");
    try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(file)) {
      SafetensorsWriter.write(java.util.Map.of("t", WeightSource.of(in, in.length)), out, DType.BF16);
    }
    try (SafetensorsFile f = SafetensorsFile.open(new FileByteSource(file))) {
      assertEquals(DType.BF16, f.tensors().get("t").dtype());
      assertEquals(2L * in.length, f.tensors().get("t").end() - f.tensors().get("t").begin());
      assertBits(want, read(f, "t"), "BF16 written");
    }
  }

  private static float[] read(SafetensorsFile f, String name) {
    TensorInfo t = f.tensors().get(name);
    FloatBuffer buf = FloatBuffer.allocate((int) t.numel());
    f.readFloats(t, 0, buf.capacity(), buf);
    return buf.array();
  }

  private static void assertBits(float[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) {
      assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
          what + " element " + i + ": want " + want[i] + ", got " + got[i]);
    }
  }
}
