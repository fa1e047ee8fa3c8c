package dev.sparkgen.model.generate.constraint;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tokenizer's vocabulary as response formats see it: each token's decoded bytes ({@link
 * TokenBytes}) in a trie, and the formats compiled against it so far (a bounded cache: one
 * vocabulary serves every row of a job, and a row's format is compiled once). Build one per
 * tokenizer and share it; it is thread-safe.
 */
public final class TokenVocabulary {
  /** Compiled formats kept per vocabulary (least recently used dropped first). */
  static final int CACHED_FORMATS = 64;

  private final TokenBytes tokens;
  private final TokenTrie trie;
  private final Map<String, TokenConstraint> constraints = new LinkedHashMap<>(16, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, TokenConstraint> eldest) {
      return size() > CACHED_FORMATS;
    }
  };

  private TokenVocabulary(TokenBytes tokens) {
    this.tokens = tokens;
    this.trie = TokenTrie.of(tokens.bytes());
  }

  /**
   * The vocabulary of a {@code tokenizer.json}. Refused (IllegalArgumentException naming the file)
   * when its decoder does not turn tokens into text byte by byte: see {@link TokenBytes}.
   */
  public static TokenVocabulary load(Path tokenizerJson) {
    return new TokenVocabulary(TokenBytes.read(tokenizerJson));
  }

  /** Number of token ids (the largest id + 1). */
  public int size() {
    return tokens.bytes().length;
  }

  /** The bytes token {@code id} adds to the text, or null when a format never allows it (special, empty, unknown). */
  public byte[] bytes(int id) {
    return id >= 0 && id < size() && tokens.bytes()[id] != null ? tokens.bytes()[id].clone() : null;
  }

  /** Nodes of the token trie (the root included). */
  public int trieNodes() {
    return trie.nodes();
  }

  /**
   * The token-level constraint of {@code format} for this vocabulary, compiled on first use and
   * cached by the format's text and {@code maxWhitespace}. Throws {@link ResponseFormatException}
   * for a format that cannot be generated.
   */
  public TokenConstraint constraint(ResponseFormat format, int maxWhitespace) {
    String key = maxWhitespace + "\u0000" + format.text();
    synchronized (constraints) {
      TokenConstraint c = constraints.get(key);
      if (c != null) {
        return c;
      }
    }
    TokenConstraint built = new TokenConstraint(ByteDfa.of(format.automaton(maxWhitespace)), this);
    synchronized (constraints) {
      return constraints.computeIfAbsent(key, k -> built);
    }
  }

  /** Sets in {@code allowed} every token whose bytes keep {@code dfa} live from {@code state}. */
  void collect(ByteDfa dfa, int state, long[] allowed) {
    trie.collect(dfa, state, allowed);
  }

  /** Bytes of a token for walking, not copied; null when it has none. */
  byte[] rawBytes(int id) {
    return id >= 0 && id < size() ? tokens.bytes()[id] : null;
  }
}
