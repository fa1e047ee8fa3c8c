package dev.sparkgen.model.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-made safetensors bytes for tests: an 8-byte little-endian length, the header text, the data. */
public final class SafetensorsBytes {
  private SafetensorsBytes() {}

  /** A file whose length field is the header's true length. */
  public static Path write(Path file, String headerJson, byte[] data) throws IOException {
    byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
    return write(file, header.length, header, data);
  }

  /** A file with an arbitrary (possibly lying) length field. */
  public static Path write(Path file, long declaredHeaderLength, byte[] header, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(declaredHeaderLength).put(header).put(data);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, b.array());
    return file;
  }

  /** Little-endian float32 bytes. */
  public static byte[] f32(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  /** Little-endian 16-bit words (F16 or BF16 bit patterns). */
  public static byte[] u16(int... bits) {
    ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : bits) {
      b.putShort((short) v);
    }
    return b.array();
  }

  /** One header entry, e.g. {@code "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}. */
  public static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\"" + name + "\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape + ", \"data_offsets\": [" + begin + ", " + end + "]}";
  }
}
