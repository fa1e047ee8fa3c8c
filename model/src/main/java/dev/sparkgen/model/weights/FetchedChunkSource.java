package dev.sparkgen.model.weights;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * Bytes held as equally sized chunks (the last may be shorter) that are fetched on first read and
 * released once every byte of them has been read (a loader reads each tensor once), or, past
 * {@code keep} held chunks, least recently used first; all on {@link #close()}. A loader that reads
 * the image roughly front to back (within a decoder layer it may jump back to the layer's norms)
 * fetches each chunk once and holds a few, never the whole image. A chunk read again after its
 * release is fetched again ({@link #fetches()} counts).
 */
public final class FetchedChunkSource implements ByteSource {
  private final String name;
  private final int chunkSize;
  private final int chunkCount;
  private final long size;
  private final IntFunction<byte[]> fetch;
  private final IntConsumer release;
  private final int keep;
  private final Map<Integer, byte[]> held = new LinkedHashMap<>(4, 0.75f, true); // access order: LRU first
  private final Map<Integer, Long> consumed = new java.util.HashMap<>(); // bytes read from each held chunk
  private int fetches;

  /**
   * @param chunkSize bytes of every chunk but the last
   * @param size total bytes
   * @param fetch chunk index to its bytes (exactly chunkSize long, the last one the remainder)
   * @param release called with a chunk's index when it is dropped here (e.g. to drop a local copy)
   * @param keep chunks held at most (at least 1)
   */
  public FetchedChunkSource(String name, int chunkSize, long size, IntFunction<byte[]> fetch, IntConsumer release,
      int keep) {
    if (chunkSize <= 0 || size < 0 || keep < 1) {
      throw new IllegalArgumentException(name + ": chunkSize " + chunkSize + ", size " + size + ", keep " + keep);
    }
    this.name = name;
    this.chunkSize = chunkSize;
    this.size = size;
    this.chunkCount = (int) ((size + chunkSize - 1) / chunkSize);
    this.fetch = fetch;
    this.release = release;
    this.keep = keep;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public synchronized void read(long offset, ByteBuffer dst) throws EOFException {
    long pos = offset;
    while (dst.hasRemaining()) {
      if (pos >= size) {
        throw new EOFException(name + ": read past end at byte " + pos);
      }
      byte[] chunk = chunk((int) (pos / chunkSize));
      int within = (int) (pos % chunkSize);
      int n = Math.min(dst.remaining(), chunk.length - within);
      dst.put(chunk, within, n);
      pos += n;
      int index = (int) ((pos - 1) / chunkSize);
      if (consumed.merge(index, (long) n, Long::sum) >= chunk.length) {
        drop(index); // every byte read: the loader is done with it
      }
    }
  }

  private void drop(int index) {
    held.remove(index);
    consumed.remove(index);
    release.accept(index);
  }

  private byte[] chunk(int index) {
    byte[] c = held.get(index);
    if (c != null) {
      return c;
    }
    c = fetch.apply(index);
    long expected = index == chunkCount - 1 ? size - (long) index * chunkSize : chunkSize;
    if (c.length != expected) {
      throw new IllegalStateException(name + ": chunk " + index + " has " + c.length + " bytes, expected " + expected);
    }
    fetches++;
    while (held.size() >= keep) {
      drop(held.keySet().iterator().next());
    }
    held.put(index, c);
    return c;
  }

  /** How many chunk fetches reads caused so far (the chunk count when read front to back). */
  public synchronized int fetches() {
    return fetches;
  }

  /** The number of chunks. */
  public int chunkCount() {
    return chunkCount;
  }

  @Override
  public String name() {
    return name;
  }

  /** Releases every chunk still held. */
  @Override
  public synchronized void close() {
    for (Integer i : List.copyOf(held.keySet())) {
      drop(i);
    }
  }
}
