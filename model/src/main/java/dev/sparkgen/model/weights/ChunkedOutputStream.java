package dev.sparkgen.model.weights;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/** Collects written bytes into fixed-size chunks, so a multi-GB payload needs no single huge array. */
public final class ChunkedOutputStream extends OutputStream {
  private final int chunkSize;
  private final List<byte[]> chunks = new ArrayList<>();
  private byte[] current;
  private int pos;

  public ChunkedOutputStream(int chunkSize) {
    this.chunkSize = chunkSize;
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    while (len > 0) {
      if (current == null || pos == chunkSize) {
        current = new byte[chunkSize];
        chunks.add(current);
        pos = 0;
      }
      int n = Math.min(len, chunkSize - pos);
      System.arraycopy(b, off, current, pos, n);
      pos += n;
      off += n;
      len -= n;
    }
  }

  /** The chunks written so far; the last one trimmed to its length. */
  public List<byte[]> chunks() {
    List<byte[]> out = new ArrayList<>(chunks);
    if (current != null && pos < chunkSize) {
      out.set(out.size() - 1, java.util.Arrays.copyOf(current, pos));
    }
    return out;
  }
}
