package dev.sparkgen.model.generate.constraint;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The vocabulary's token bytes as a trie, so that the tokens allowed from an automaton state are
 * found by walking both together: a prefix that leaves the language prunes every token below it.
 * Node 0 is the root (the empty prefix); children are linked as first child / next sibling.
 */
final class TokenTrie {
  private final int[] firstChild;
  private final int[] nextSibling;
  private final byte[] label; // the byte leading into the node
  private final int[] tokensFrom; // tokens ending at node n: ids[tokensFrom[n] .. tokensFrom[n + 1])
  private final int[] ids;

  private TokenTrie(int[] firstChild, int[] nextSibling, byte[] label, int[] tokensFrom, int[] ids) {
    this.firstChild = firstChild;
    this.nextSibling = nextSibling;
    this.label = label;
    this.tokensFrom = tokensFrom;
    this.ids = ids;
  }

  /** The trie of every token with bytes ({@code bytes[id]} non-null). */
  static TokenTrie of(byte[][] bytes) {
    Integer[] order = java.util.stream.IntStream.range(0, bytes.length).filter(i -> bytes[i] != null).boxed()
        .toArray(Integer[]::new);
    Comparator<Integer> byBytes = (x, y) -> Arrays.compareUnsigned(bytes[x], bytes[y]);
    Arrays.sort(order, byBytes.thenComparingInt(i -> i));
    int capacity = 1;
    for (int id : order) {
      capacity += bytes[id].length;
    }
    int[] firstChild = new int[capacity];
    int[] nextSibling = new int[capacity];
    int[] lastChild = new int[capacity];
    byte[] label = new byte[capacity];
    int[] ending = new int[capacity + 1]; // tokens ending at each node (counts, then offsets)
    int[] endNode = new int[order.length];
    Arrays.fill(firstChild, -1);
    Arrays.fill(nextSibling, -1);
    Arrays.fill(lastChild, -1);
    int nodes = 1;
    int[] path = new int[1]; // path[d] = node of the current token's prefix of length d
    byte[] previous = new byte[0];
    for (int k = 0; k < order.length; k++) {
      byte[] b = bytes[order[k]];
      if (path.length < b.length + 1) {
        path = Arrays.copyOf(path, b.length + 1);
      }
      int common = 0; // sorted order: the shared prefix with the previous token is already in the trie
      while (common < Math.min(b.length, previous.length) && b[common] == previous[common]) {
        common++;
      }
      for (int d = common; d < b.length; d++) {
        int parent = path[d];
        int node = nodes++;
        label[node] = b[d];
        if (lastChild[parent] < 0) {
          firstChild[parent] = node;
        } else {
          nextSibling[lastChild[parent]] = node;
        }
        lastChild[parent] = node;
        path[d + 1] = node;
      }
      endNode[k] = path[b.length];
      ending[path[b.length]]++;
      previous = b;
    }
    int[] tokensFrom = new int[nodes + 1];
    for (int n = 0; n < nodes; n++) {
      tokensFrom[n + 1] = tokensFrom[n] + ending[n];
    }
    int[] ids = new int[order.length];
    int[] fill = Arrays.copyOf(tokensFrom, nodes);
    for (int k = 0; k < order.length; k++) {
      ids[fill[endNode[k]]++] = order[k];
    }
    return new TokenTrie(Arrays.copyOf(firstChild, nodes), Arrays.copyOf(nextSibling, nodes), Arrays.copyOf(label, nodes),
        tokensFrom, ids);
  }

  /** Number of nodes, the root included. */
  int nodes() {
    return firstChild.length;
  }

  /** Sets in {@code allowed} every token whose bytes lead {@code dfa} from {@code state} to a live state. */
  void collect(ByteDfa dfa, int state, long[] allowed) {
    collect(0, dfa, state, allowed);
  }

  private void collect(int node, ByteDfa dfa, int state, long[] allowed) {
    for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
      int next = dfa.step(state, label[c]);
      if (next == ByteDfa.DEAD) {
        continue;
      }
      for (int i = tokensFrom[c]; i < tokensFrom[c + 1]; i++) {
        allowed[ids[i] >>> 6] |= 1L << ids[i];
      }
      if (firstChild[c] >= 0) {
        collect(c, dfa, next, allowed);
      }
    }
  }
}
