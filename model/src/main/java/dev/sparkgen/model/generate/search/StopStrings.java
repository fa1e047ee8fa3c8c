package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.tokenizer.Tokenizer;
import java.util.List;

/**
 * Decodes generated tokens to text ({@link ContinuationText}) and looks for stop strings: a row
 * ends once its continuation's text contains one, and its text is cut before the earliest occurrence.
 */
public final class StopStrings {
  private final List<String> stops;
  private final int longest; // characters of the longest stop string
  private final Tokenizer tokenizer;
  private final boolean skipSpecialTokens;

  /** Text without special tokens; {@code tokenizer} may be null only when {@code stops} is empty (then there is no text). */
  public StopStrings(List<String> stops, Tokenizer tokenizer) {
    this(stops, tokenizer, true);
  }

  /** As above; {@code skipSpecialTokens} false keeps special tokens in the text (and stop strings see them). */
  public StopStrings(List<String> stops, Tokenizer tokenizer, boolean skipSpecialTokens) {
    if (!stops.isEmpty() && tokenizer == null) {
      throw new IllegalArgumentException("stop strings " + stops + " need the model's tokenizer.json");
    }
    this.stops = List.copyOf(stops);
    this.longest = stops.stream().mapToInt(String::length).max().orElse(0);
    this.tokenizer = tokenizer;
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /** Whether any stop string is configured. */
  public boolean active() {
    return !stops.isEmpty();
  }

  /** The decoder of continuations of {@code prompt} (its text is null without a tokenizer). */
  public ContinuationText continuation(int[] prompt) {
    return new ContinuationText(tokenizer, prompt, skipSpecialTokens);
  }

  /** Index in {@code text} of the earliest stop string, or -1. */
  public int find(String text) {
    return find(text, 0);
  }

  /**
   * As {@link #find(String)}, for a text whose first {@code searched} characters were part of an
   * earlier text already searched ({@link ContinuationText#stableLength()}): only a stop string that
   * ends after them can be new, so the search starts {@code longest - 1} characters before their end.
   */
  public int find(String text, int searched) {
    int from = Math.max(0, searched - longest + 1);
    int first = -1;
    for (String s : stops) {
      int i = text.indexOf(s, from);
      if (i >= 0 && (first < 0 || i < first)) {
        first = i;
      }
    }
    return first;
  }

  /** The same decoding (tokenizer, special tokens) with other stop strings: for a row's own settings. */
  public StopStrings with(List<String> otherStops) {
    return otherStops.equals(stops) ? this : new StopStrings(otherStops, tokenizer, skipSpecialTokens);
  }
}
