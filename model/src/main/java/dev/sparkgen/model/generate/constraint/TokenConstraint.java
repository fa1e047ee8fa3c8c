package dev.sparkgen.model.generate.constraint;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A response format lifted to tokens: its byte automaton ({@link ByteDfa}) read through a
 * vocabulary's token bytes. A row's state is an automaton state (an int); {@link #next} moves it by
 * one token and {@link #allowed} gives the tokens that keep the text completable, computed on first
 * use per state and cached (equal sets shared). Every live state can reach an accepting one, so a
 * row that only ever takes allowed tokens can always be completed; eos belongs in accepting states
 * only ({@link #accepting}). Thread-safe: rows of several tasks may share one constraint.
 *
 * <p>The text is the continuation of the prompt, so every token is read with its bytes inside a
 * text ({@link TokenVocabulary#bytes}).
 */
public final class TokenConstraint {
  private final ByteDfa dfa;
  private final TokenVocabulary vocabulary;
  private final AtomicReferenceArray<AllowedTokens> allowed;
  private final ConcurrentHashMap<AllowedTokens, AllowedTokens> distinct = new ConcurrentHashMap<>();

  TokenConstraint(ByteDfa dfa, TokenVocabulary vocabulary) {
    this.dfa = dfa;
    this.vocabulary = vocabulary;
    this.allowed = new AtomicReferenceArray<>(dfa.size());
  }

  /** The state before any token. */
  public int start() {
    return dfa.start();
  }

  /**
   * The state after {@code token} from {@code state}; {@link ByteDfa#DEAD} when the token leaves
   * the language, has no bytes (special tokens, eos included), or {@code state} is dead.
   */
  public int next(int state, int token) {
    byte[] b = vocabulary.rawBytes(token);
    return b == null || state < 0 ? ByteDfa.DEAD : dfa.walk(state, b);
  }

  /** Whether the text so far is complete in {@code state} (eos may follow). */
  public boolean accepting(int state) {
    return dfa.accepting(state);
  }

  /**
   * The tokens allowed in {@code state} (a live state): those whose bytes lead to a live state.
   * Throws IllegalStateException when there is none and the state is not accepting: the
   * vocabulary cannot spell any continuation (it lacks byte tokens).
   */
  public AllowedTokens allowed(int state) {
    AllowedTokens a = allowed.get(state);
    if (a == null) {
      long[] bits = new long[(vocabulary.size() + 63) >>> 6];
      vocabulary.collect(dfa, state, bits);
      AllowedTokens fresh = new AllowedTokens(bits);
      if (fresh.count() == 0 && !accepting(state)) {
        throw new IllegalStateException("no token of the vocabulary continues the response format from automaton state "
            + state + " (the tokenizer cannot spell the bytes that must come next)");
      }
      a = distinct.computeIfAbsent(fresh, k -> k);
      allowed.compareAndSet(state, null, a);
    }
    return a;
  }

  /** Whether {@code tokens[from, to)} spell a complete text of the format. */
  public boolean matches(int[] tokens, int from, int to) {
    int s = dfa.start();
    for (int i = from; i < to && s >= 0; i++) {
      s = next(s, tokens[i]);
    }
    return dfa.accepting(s);
  }

  /** Number of automaton states. */
  public int states() {
    return dfa.size();
  }

  /** Computes the allowed tokens of every state now (benchmarks; normally done lazily). */
  public void precompute() {
    for (int s = 0; s < states(); s++) {
      allowed(s);
    }
  }

  /** Distinct allowed-token sets computed so far. */
  public int distinctSets() {
    return distinct.size();
  }
}
