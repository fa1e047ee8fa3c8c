package dev.sparkgen.model.weights;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Cuts written bytes into fixed-size chunks, so a multi-GB image needs no single huge array. Either
 * collects them ({@link #chunks()}) or hands each full chunk to a sink as soon as it is written
 * (then at most one chunk is held here: the one being filled).
 */
public final class ChunkedOutputStream extends OutputStream {
  private final int chunkSize;
  private final Consumer<byte[]> sink;
  private final List<byte[]> chunks = new ArrayList<>();
  private byte[] current;
  private int pos;
  private int count;

  /** Collects the chunks; read them with {@link #chunks()}. */
  public ChunkedOutputStream(int chunkSize) {
    this.chunkSize = chunkSize;
    this.sink = null;
  }

  /** Hands each full chunk to {@code sink} and forgets it; {@link #close()} hands over the last, trimmed one. */
  public ChunkedOutputStream(int chunkSize, Consumer<byte[]> sink) {
    this.chunkSize = chunkSize;
    this.sink = sink;
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    while (len > 0) {
      if (current == null) {
        current = new byte[chunkSize];
        pos = 0;
        if (sink == null) {
          chunks.add(current);
        }
      }
      int n = Math.min(len, chunkSize - pos);
      System.arraycopy(b, off, current, pos, n);
      pos += n;
      off += n;
      len -= n;
      if (pos == chunkSize) {
        emit(current);
        current = null;
      }
    }
  }

  private void emit(byte[] chunk) {
    count++;
    if (sink != null) {
      sink.accept(chunk);
    }
  }

  /** Hands the last, partly filled chunk (trimmed) to the sink; collecting streams trim it in {@link #chunks()}. */
  @Override
  public void close() {
    if (sink != null && current != null) {
      byte[] last = Arrays.copyOf(current, pos);
      current = null;
      emit(last);
    }
  }

  /** The number of chunks handed to the sink so far (collecting streams: full chunks so far). */
  public int count() {
    return count;
  }

  /** The chunks written so far (collecting streams only); the last one trimmed to its length. */
  public List<byte[]> chunks() {
    if (sink != null) {
      throw new IllegalStateException("this stream hands its chunks to a sink");
    }
    List<byte[]> out = new ArrayList<>(chunks);
    if (current != null && pos < chunkSize) {
      out.set(out.size() - 1, Arrays.copyOf(current, pos));
    }
    return out;
  }
}
