package dev.sparkgen.report;

import java.util.Arrays;
import java.util.List;

/** Whitespace-separated words: the unit of the degeneration metrics, whatever the tokenizer. */
public final class Words {
  private Words() {}

  /** The words of a text (empty for blank text). */
  public static List<String> of(String text) {
    String t = text == null ? "" : text.strip();
    return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
  }
}
