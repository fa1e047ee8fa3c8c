package dev.sparkgen.model.weights;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.List;

/** Bytes held as a list of equally sized chunks (the last may be shorter), e.g. a broadcast payload. */
public final class ChunkedByteSource implements ByteSource {
  private final String name;
  private final List<byte[]> chunks;
  private final int chunkSize;
  private final long size;

  public ChunkedByteSource(String name, List<byte[]> chunks) {
    this.name = name;
    this.chunks = chunks;
    this.chunkSize = chunks.isEmpty() ? 1 : chunks.get(0).length;
    long s = 0;
    for (byte[] c : chunks) {
      s += c.length;
    }
    this.size = s;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void read(long offset, ByteBuffer dst) throws EOFException {
    long pos = offset;
    while (dst.hasRemaining()) {
      if (pos >= size) {
        throw new EOFException(name + ": read past end at byte " + pos);
      }
      byte[] chunk = chunks.get((int) (pos / chunkSize));
      int within = (int) (pos % chunkSize);
      int n = Math.min(dst.remaining(), chunk.length - within);
      dst.put(chunk, within, n);
      pos += n;
    }
  }

  @Override
  public String name() {
    return name;
  }
}
