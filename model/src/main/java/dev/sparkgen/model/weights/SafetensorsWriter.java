package dev.sparkgen.model.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes tensors as a safetensors stream, tensor by tensor, in bounded pieces: float32 (the
 * canonical image, whose sha256 identifies a model) or bfloat16 (as checkpoints are published;
 * values rounded to nearest, ties to even, as torch's {@code .to(torch.bfloat16)}).
 */
public final class SafetensorsWriter {
  private static final int PIECE = 1 << 20; // floats per write: 4 MB

  private SafetensorsWriter() {}

  /** Writes {@code tensors} (file names to values) as float32 to {@code out}, which stays open. */
  public static void write(Map<String, WeightSource> tensors, OutputStream out) throws IOException {
    write(tensors, out, DType.F32);
  }

  /** Writes {@code tensors} stored as {@code dtype} (F32 or BF16) to {@code out}, which stays open. */
  public static void write(Map<String, WeightSource> tensors, OutputStream out, DType dtype) throws IOException {
    if (dtype == DType.F16) {
      throw new IllegalArgumentException("writing F16 is not supported (F32 or BF16)");
    }
    int eb = dtype.bytes();
    JsonObject header = new JsonObject();
    JsonObject meta = new JsonObject();
    meta.addProperty("format", "pt");
    header.add("__metadata__", meta);
    long offset = 0;
    for (Map.Entry<String, WeightSource> e : tensors.entrySet()) {
      JsonObject t = new JsonObject();
      t.addProperty("dtype", dtype.name());
      JsonArray shape = new JsonArray();
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      t.add("shape", shape);
      long bytes = e.getValue().numel() * eb;
      JsonArray offsets = new JsonArray();
      offsets.add(offset);
      offsets.add(offset + bytes);
      t.add("data_offsets", offsets);
      header.add(e.getKey(), t);
      offset += bytes;
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    out.write(head.array());

    ByteBuffer bytes = ByteBuffer.allocate(PIECE * eb).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer floats = FloatBuffer.allocate(PIECE);
    for (WeightSource w : tensors.values()) {
      long n = w.numel();
      for (long from = 0; from < n; from += PIECE) {
        int count = (int) Math.min(PIECE, n - from);
        floats.clear();
        w.read(from, count, floats);
        bytes.clear();
        if (dtype == DType.F32) {
          bytes.asFloatBuffer().put(floats.array(), 0, count);
        } else {
          for (int i = 0; i < count; i++) {
            bytes.putShort(DType.floatToBf16(floats.get(i)));
          }
        }
        out.write(bytes.array(), 0, count * eb);
      }
    }
  }
}
