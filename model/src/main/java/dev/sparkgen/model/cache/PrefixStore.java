package dev.sparkgen.model.cache;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The few most recently used {@link PrefixKv prompt prefixes} of one batch, for shared-prefix reuse.
 * A scheduler that admits the prompts sharing a prefix one after another finds it here; a prefix
 * pushed out is simply computed again (results are the same either way). Owns what it holds.
 */
public final class PrefixStore implements AutoCloseable {
  private final int size;
  private final Deque<PrefixKv> entries = new ArrayDeque<>(); // most recently used first

  /** A store keeping at most {@code size} prefixes. */
  public PrefixStore(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("a prefix store holds at least one prefix, got " + size);
    }
    this.size = size;
  }

  /** A stored prefix covering the first {@code n} tokens of {@code prompt} under that table, or null. */
  public PrefixKv find(int[] prompt, int n, boolean longTable) {
    for (Iterator<PrefixKv> it = entries.iterator(); it.hasNext(); ) {
      PrefixKv p = it.next();
      if (p.covers(prompt, n, longTable)) {
        it.remove();
        entries.addFirst(p);
        return p;
      }
    }
    return null;
  }

  /** Stores {@code prefix}, closing the least recently used one beyond the size. */
  public void add(PrefixKv prefix) {
    entries.addFirst(prefix);
    while (entries.size() > size) {
      entries.removeLast().close();
    }
  }

  @Override
  public void close() {
    entries.forEach(PrefixKv::close);
    entries.clear();
  }
}
