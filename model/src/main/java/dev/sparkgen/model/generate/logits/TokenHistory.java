package dev.sparkgen.model.generate.logits;

import dev.sparkgen.model.generate.constraint.TokenConstraint;
import java.util.Arrays;
import java.util.BitSet;

/**
 * The token ids of one row so far (prompt, then generated tokens): what the logits processors
 * look at. Grows by {@link #append}; beam search forks it with {@link #copy}. A row with a
 * response format also carries its {@link TokenConstraint} and the automaton state its generated
 * tokens reached.
 */
public final class TokenHistory {
  private int[] ids;
  private int length;
  private final int promptLength;
  private final BitSet distinct; // every id seen so far: the repetition penalty visits each once
  private final TokenConstraint constraint; // null: no response format
  private int constraintState;

  /** A history holding just the prompt. */
  public TokenHistory(int[] prompt) {
    this(prompt, null);
  }

  /** A history holding just the prompt, for a row whose output must follow {@code constraint} (null: none). */
  public TokenHistory(int[] prompt, TokenConstraint constraint) {
    this.constraint = constraint;
    this.constraintState = constraint == null ? 0 : constraint.start();
    this.ids = Arrays.copyOf(prompt, prompt.length + 16);
    this.length = prompt.length;
    this.promptLength = prompt.length;
    this.distinct = new BitSet();
    for (int id : prompt) {
      distinct.set(id);
    }
  }

  private TokenHistory(TokenHistory other) {
    this.ids = Arrays.copyOf(other.ids, other.ids.length);
    this.length = other.length;
    this.promptLength = other.promptLength;
    this.distinct = (BitSet) other.distinct.clone();
    this.constraint = other.constraint;
    this.constraintState = other.constraintState;
  }

  /** An independent copy (a forked beam). */
  public TokenHistory copy() {
    return new TokenHistory(this);
  }

  /** Appends a generated token. */
  public void append(int token) {
    if (length == ids.length) {
      ids = Arrays.copyOf(ids, ids.length * 2);
    }
    ids[length++] = token;
    distinct.set(token);
    if (constraint != null) {
      constraintState = constraint.next(constraintState, token);
    }
  }

  /** Prompt plus generated tokens. */
  public int length() {
    return length;
  }

  /** The id at {@code i} (0 = first prompt token). */
  public int get(int i) {
    return ids[i];
  }

  /** Number of generated tokens. */
  public int generated() {
    return length - promptLength;
  }

  /** Length of the prompt. */
  public int promptLength() {
    return promptLength;
  }

  /** The generated tokens. */
  public int[] generatedIds() {
    return Arrays.copyOfRange(ids, promptLength, length);
  }

  /** Every distinct id in the row (prompt and generated), ascending. */
  public BitSet distinct() {
    return distinct;
  }

  /** The row's response format, or null. */
  public TokenConstraint constraint() {
    return constraint;
  }

  /** The automaton state of the generated tokens under {@link #constraint} (-1 once they left the format). */
  public int constraintState() {
    return constraintState;
  }
}
