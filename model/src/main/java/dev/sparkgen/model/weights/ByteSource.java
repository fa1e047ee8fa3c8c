package dev.sparkgen.model.weights;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Random-access bytes: a file or an in-memory list of chunks, read without holding it whole. */
public interface ByteSource extends AutoCloseable {

  /** Total size in bytes. */
  long size();

  /** Fills {@code dst} (from its position to its limit) with bytes starting at {@code offset}. */
  void read(long offset, ByteBuffer dst) throws IOException;

  /** A name for messages: the file path or a description. */
  String name();

  @Override
  default void close() throws IOException {}
}
