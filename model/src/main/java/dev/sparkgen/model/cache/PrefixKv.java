package dev.sparkgen.model.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The keys and values of a prompt prefix, computed once and written into every row whose prompt
 * starts with it (shared-prefix reuse): per layer [1, kvHeads, length, headDim]. A token's keys
 * and values depend only on the tokens up to it and on its position, not on the cache slot it
 * occupies, so a prefix can be written at any slot. With longrope they also depend on the table
 * (short or long), which the prompt's whole length chooses: {@code longTable} records which one.
 * Owns its memory.
 */
public final class PrefixKv implements AutoCloseable {
  private final int[] tokens;
  private final boolean longTable;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final NDManager manager;

  PrefixKv(int[] tokens, boolean longTable, NDArray[] keys, NDArray[] values, NDManager manager) {
    this.tokens = tokens;
    this.longTable = longTable;
    this.keys = keys;
    this.values = values;
    this.manager = manager;
  }

  /** Prefix tokens. */
  public int length() {
    return tokens.length;
  }

  /** Whether this prefix's keys and values serve the first {@code n} tokens of {@code prompt} under that table. */
  public boolean covers(int[] prompt, int n, boolean longTable) {
    if (n > tokens.length || n > prompt.length || longTable != this.longTable) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (tokens[i] != prompt[i]) {
        return false;
      }
    }
    return true;
  }

  NDArray keys(int layer) {
    return keys[layer];
  }

  NDArray values(int layer) {
    return values[layer];
  }

  /** Native bytes held. */
  public long bytes() {
    long n = 0;
    for (int l = 0; l < keys.length; l++) {
      n += 2 * keys[l].size() * Float.BYTES;
    }
    return n;
  }

  @Override
  public void close() {
    manager.close();
  }
}
