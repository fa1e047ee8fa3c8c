package dev.sparkgen.model.tokenizer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Token ids of text pieces already encoded, for the pieces a chat template writes on every row
 * (Llama 3's system header with its dates, Qwen's default system prompt, role names, a
 * {@code system_prompt} set for the whole job). Bounded: when it holds more than
 * {@link #MAX_ENTRIES} pieces or {@link #MAX_CHARS} characters it is emptied, and the pieces that
 * recur come back on their next row (a row's own text never repeats, so an eviction order would buy
 * nothing). Thread safe: the executor's task threads share one tokenizer. The arrays it returns are
 * shared: callers copy them, never write to them.
 */
final class PieceCache {
  /** At most this many pieces. */
  static final int MAX_ENTRIES = 8192;
  /** At most this many characters in all (8 MB of text); a longer piece is not kept. */
  static final long MAX_CHARS = 4L << 20;

  private final ConcurrentHashMap<String, int[]> ids = new ConcurrentHashMap<>();
  private final AtomicLong chars = new AtomicLong();

  /** The ids cached for {@code piece}, or null. */
  int[] get(String piece) {
    return ids.get(piece);
  }

  /** Keeps {@code pieceIds} (not copied: the caller hands it over) for {@code piece}. */
  void put(String piece, int[] pieceIds) {
    if (piece.length() > MAX_CHARS / 4) {
      return;
    }
    if (ids.size() >= MAX_ENTRIES || chars.get() + piece.length() > MAX_CHARS) {
      clear(); // racing threads may each clear: harmless, every value stays correct
    }
    if (ids.putIfAbsent(piece, pieceIds) == null) {
      chars.addAndGet(piece.length());
    }
  }

  /** Number of pieces held. */
  int size() {
    return ids.size();
  }

  private void clear() {
    ids.clear();
    chars.set(0);
  }
}
