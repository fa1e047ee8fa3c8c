package dev.sparkgen.model.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.sparkgen.model.json.JsonFile;
import dev.sparkgen.model.json.JsonValueException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated safetensors file: the header is parsed and checked up front (length, JSON, dtypes,
 * offsets), and tensors are read one at a time as float32, so no file is held whole in memory.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** Headers above this size are refused: a real header is kilobytes, a hostile one could be GBs. */
  public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private final ByteSource source;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(ByteSource source, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    this.source = source;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /**
   * Parses and validates the header of {@code source}; the source is closed with this file, or at
   * once if the header is refused.
   */
  public static SafetensorsFile open(ByteSource source) {
    try {
      return parse(source);
    } catch (RuntimeException e) {
      try {
        source.close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static SafetensorsFile parse(ByteSource source) {
    String file = source.name();
    try {
      if (source.size() < 8) {
        throw new CheckpointException(file + ": truncated safetensors file (" + source.size() + " bytes, need at least 8)");
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      source.read(0, len);
      long headerLen = len.flip().getLong();
      if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
        throw new CheckpointException(file + ": safetensors header length " + Long.toUnsignedString(headerLen)
            + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
      }
      if (8 + headerLen > source.size()) {
        throw new CheckpointException(file + ": safetensors header length " + headerLen
            + " runs past the end of the file (" + source.size() + " bytes); the file is truncated or not safetensors");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLen);
      source.read(8, header);
      String json = new String(header.array(), StandardCharsets.UTF_8);
      long dataStart = 8 + headerLen;
      return parseHeader(source, json, dataStart);
    } catch (IOException e) {
      throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static SafetensorsFile parseHeader(ByteSource source, String json, long dataStart) {
    String file = source.name();
    JsonObject root;
    try {
      // Bounded depth and plain-words errors: a hostile header is one line, not a stack overflow.
      JsonElement el = JsonFile.parse(json, file + ": safetensors header");
      if (!el.isJsonObject()) {
        throw new CheckpointException(file + ": safetensors header is not a JSON object");
      }
      root = el.getAsJsonObject();
    } catch (JsonValueException e) {
      throw new CheckpointException(e.getMessage(), e);
    }
    long dataSize = source.size() - dataStart;
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : root.entrySet()) {
      String name = e.getKey();
      if (name.equals("__metadata__")) {
        metadata(file, e.getValue(), metadata);
        continue;
      }
      tensors.put(name, parseEntry(file, name, e.getValue(), dataSize));
    }
    checkNoOverlap(file, tensors);
    return new SafetensorsFile(source, dataStart, tensors, metadata);
  }

  /** {@code __metadata__} is a map of strings (the safetensors format); anything else is refused by name. */
  private static void metadata(String file, JsonElement value, Map<String, String> out) {
    if (!value.isJsonObject()) {
      throw new CheckpointException(file + ": safetensors __metadata__ must be an object of strings, got " + shown(value));
    }
    for (Map.Entry<String, JsonElement> m : value.getAsJsonObject().entrySet()) {
      JsonElement v = m.getValue();
      if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
        throw new CheckpointException(file + ": safetensors __metadata__ key '" + m.getKey() + "' must be a string, got "
            + shown(v));
      }
      out.put(m.getKey(), v.getAsString());
    }
  }

  private static String shown(JsonElement v) {
    String s = String.valueOf(v);
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }

  /** An exact non-fractional JSON number (2.5 or "2" are malformed, not silently 2). */
  private static long exactLong(JsonElement e) {
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw new IllegalArgumentException("not a number: " + e);
    }
    return new java.math.BigDecimal(e.getAsJsonPrimitive().getAsNumber().toString()).longValueExact();
  }

  private static TensorInfo parseEntry(String file, String name, JsonElement value, long dataSize) {
    try {
      JsonObject o = value.getAsJsonObject();
      DType dtype = DType.parse(o.get("dtype").getAsString(), file, name);
      JsonArray shapeJson = o.getAsJsonArray("shape");
      long[] shape = new long[shapeJson.size()];
      long numel = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = exactLong(shapeJson.get(i));
        if (shape[i] < 0) {
          throw new CheckpointException(file + ": tensor '" + name + "' has a negative dimension in shape " + shapeJson);
        }
        numel = Math.multiplyExact(numel, shape[i]);
      }
      JsonArray offsets = o.getAsJsonArray("data_offsets");
      if (offsets.size() != 2) {
        throw new IllegalArgumentException("data_offsets has " + offsets.size() + " entries");
      }
      long begin = exactLong(offsets.get(0));
      long end = exactLong(offsets.get(1));
      if (begin < 0 || end < begin || end > dataSize) {
        throw new CheckpointException(file + ": tensor '" + name + "' has data_offsets [" + begin + ", " + end
            + "] outside the data area of " + dataSize + " bytes; the file is truncated or corrupt");
      }
      long expected = Math.multiplyExact(numel, dtype.bytes());
      if (end - begin != expected) {
        throw new CheckpointException(file + ": tensor '" + name + "' spans " + (end - begin) + " bytes but its shape "
            + shapeJson + " and dtype " + dtype + " need " + expected);
      }
      return new TensorInfo(name, dtype, shape, begin, end);
    } catch (CheckpointException e) {
      throw e;
    } catch (RuntimeException e) { // missing keys, wrong JSON types, overflow
      throw new CheckpointException(file + ": tensor '" + name + "' has a malformed header entry: " + value, e);
    }
  }

  private static void checkNoOverlap(String file, Map<String, TensorInfo> tensors) {
    List<TensorInfo> sorted = new ArrayList<>(tensors.values());
    sorted.sort(Comparator.comparingLong(TensorInfo::begin));
    for (int i = 1; i < sorted.size(); i++) {
      TensorInfo prev = sorted.get(i - 1);
      TensorInfo cur = sorted.get(i);
      if (cur.begin() < prev.end()) {
        throw new CheckpointException(file + ": tensors '" + prev.name() + "' [" + prev.begin() + ", " + prev.end()
            + ") and '" + cur.name() + "' [" + cur.begin() + ", " + cur.end() + ") overlap");
      }
    }
  }

  /** Tensor entries in header order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** The header's {@code __metadata__} strings. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The file name, for messages. */
  public String name() {
    return source.name();
  }

  /**
   * Reads elements {@code [from, from + count)} of a tensor as float32 into {@code dst}, upcasting
   * F16 and BF16, and refusing NaN or Inf with the tensor's name.
   */
  public void readFloats(TensorInfo t, long from, int count, FloatBuffer dst) {
    int eb = t.dtype().bytes();
    ByteBuffer raw = ByteBuffer.allocate(Math.multiplyExact(count, eb)).order(ByteOrder.LITTLE_ENDIAN);
    try {
      source.read(dataStart + t.begin() + from * eb, raw);
    } catch (IOException e) {
      throw new CheckpointException(name() + ": cannot read tensor '" + t.name() + "': " + e.getMessage(), e);
    }
    raw.flip();
    for (int i = 0; i < count; i++) {
      float v = switch (t.dtype()) {
        case F32 -> raw.getFloat();
        case F16 -> DType.halfToFloat(raw.getShort());
        case BF16 -> DType.bf16ToFloat(raw.getShort());
      };
      if (!Float.isFinite(v)) {
        throw new CheckpointException(name() + ": tensor '" + t.name() + "' holds " + v + " at element " + (from + i)
            + "; weights must be finite");
      }
      dst.put(v);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      source.close();
    } catch (Exception e) {
      throw new IOException(e);
    }
  }
}
