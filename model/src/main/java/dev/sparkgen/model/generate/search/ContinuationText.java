package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * The text of one row's continuation, as Hugging Face's text-generation pipeline returns it with
 * {@code return_full_text=False} (and vLLM): {@code decode(prompt + generated)} minus the first
 * {@code len(decode(prompt))} characters, special tokens skipped in both unless asked to keep them
 * (the pipeline's and vLLM's {@code skip_special_tokens}, default true). Decoding the generated ids
 * alone would lose what only the prompt's context gives them, e.g. the space that a SentencePiece
 * (Metaspace) decoder drops before the first word of a text.
 *
 * <p><b>Incremental.</b> Stop strings need the text after every token; decoding the whole row
 * each time is quadratic in its length. When a call's ids extend the previous call's, only a
 * window is decoded: the tokens after a <em>split</em>, behind {@value #CONTEXT} tokens of
 * context, and the text is {@code decode(all[:split])} (kept) plus what the window adds after its
 * context, the way vLLM's incremental detokenizer works. A split is placed only where no later
 * token can change the text before it:
 *
 * <ul>
 *   <li>the text before it does not end in U+FFFD: an unfinished UTF-8 sequence (a byte-level BPE
 *       token, or a run of {@code <0xNN>} byte-fallback tokens) may still be completed;
 *   <li>the tokens on both sides of it do not each decode to at most one character alone: a run of
 *       {@code <0xNN>} tokens is decoded as one byte string (its valid start turns into U+FFFD
 *       when a later byte makes the run invalid), and only such tokens (or single-character
 *       ones) can belong to a run;
 *   <li>its context decodes to a non-empty text that ends the same way in the window: what
 *       decoders do to a text's first token (Metaspace drops its space, Strip a leading space)
 *       stays inside the context.
 * </ul>
 *
 * Each window must also begin with the text its context gave before; if a tokenizer breaks that
 * (a decoder whose output changes further back), the row falls back to decoding everything. Any
 * other call (ids that do not extend the previous ones, as beam search's candidates) decodes
 * everything. So {@link #of} always returns exactly {@code decode(prompt + generated)[len(decode(prompt)):]}.
 *
 * <p>One instance per row (its state follows one sequence of ids); the decoded prompt's length is
 * computed on first use. Not thread-safe (a row is decoded by the one thread that runs its batch).
 */
public final class ContinuationText {
  /** Tokens of context decoded before the split. */
  static final int CONTEXT = 6;
  private static final char REPLACEMENT = '\uFFFD';

  private final Tokenizer tokenizer;
  private final int[] prompt;
  private final boolean skipSpecialTokens;
  private int promptChars = -1;

  // The ids of the last call (prompt + generated) and its text.
  private int[] all = new int[0];
  private int length = -1; // -1: no call yet
  private String text;
  // all[:split] is decoded for good: splitChars characters, of which `stable` is the part after the prompt's.
  private int split;
  private int start; // the window's first token: all[start:split] is the context
  private String head = ""; // decode(all[start:split])
  private int splitChars;
  private final StringBuilder stable = new StringBuilder();

  /** {@code tokenizer} null: there is no text (every call returns null). */
  ContinuationText(Tokenizer tokenizer, int[] prompt, boolean skipSpecialTokens) {
    this.tokenizer = tokenizer;
    this.prompt = prompt;
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /** The continuation's text for these generated ids; null without a tokenizer. */
  public String of(int[] generated) {
    if (tokenizer == null) {
      return null;
    }
    if (promptChars < 0) {
      promptChars = tokenizer.decode(prompt, skipSpecialTokens).length();
    }
    int n = prompt.length + generated.length;
    boolean extends_ = length >= prompt.length && n >= length
        && Arrays.equals(all, prompt.length, length, generated, 0, length - prompt.length);
    if (extends_ && n == length) {
      return text;
    }
    if (!extends_) {
      reset();
    }
    if (all.length < n) {
      all = Arrays.copyOf(all, Math.max(n, 2 * all.length));
    }
    System.arraycopy(prompt, 0, all, 0, prompt.length);
    System.arraycopy(generated, 0, all, prompt.length, generated.length);
    length = n;
    String window = decode(start, n);
    if (!window.startsWith(head)) {
      reset(); // this tokenizer's decoder reached back past the split: decode everything
      window = decode(0, n);
    }
    String after = window.substring(head.length()); // what all[split:n] adds
    text = splitChars >= promptChars ? stable + after : after.substring(Math.min(after.length(), promptChars - splitChars));
    advance(window);
    return text;
  }

  /**
   * How many characters at the start of the text last returned no later token can change. A
   * stop string found in none of that text's earlier versions cannot lie wholly inside them.
   */
  public int stableLength() {
    return stable.length();
  }

  private void reset() {
    split = 0;
    start = 0;
    head = "";
    splitChars = 0;
    stable.setLength(0);
  }

  /** Moves the split to the end of the window (or one token before it) where that is safe. */
  private void advance(String window) {
    for (int s = length; s >= Math.max(split + 1, length - 1); s--) {
      if (s < 1 || (joins(all[s - 1]) && (s == length || joins(all[s])))) {
        continue;
      }
      String upTo = s == length ? window : decode(start, s);
      if (!window.startsWith(upTo) || !upTo.startsWith(head) || ends(upTo)) {
        continue;
      }
      int from = Math.max(0, s - CONTEXT);
      String context = decode(from, s);
      if (context.isEmpty() || ends(context)) {
        continue;
      }
      String added = upTo.substring(head.length());
      int skip = Math.max(0, promptChars - splitChars);
      if (skip < added.length()) {
        stable.append(added, skip, added.length());
      }
      splitChars += added.length();
      split = s;
      start = from;
      head = context;
      return;
    }
  }

  /** Whether a token may join its neighbour into one unit of decoding: it decodes to at most one character. */
  private boolean joins(int id) {
    return tokenizer.decode(new int[] {id}, skipSpecialTokens).length() <= 1;
  }

  private static boolean ends(String s) {
    return !s.isEmpty() && s.charAt(s.length() - 1) == REPLACEMENT;
  }

  private String decode(int from, int to) {
    return tokenizer.decode(Arrays.copyOfRange(all, from, to), skipSpecialTokens);
  }
}
