package dev.sparkgen.model.generate;

import java.util.Locale;

/**
 * When beam search stops, Hugging Face's {@code early_stopping} ({@code BeamSearchScorer}):
 * {@code true} as soon as num_beams hypotheses are finished; {@code false} (HF's default) when the
 * best running beam, at its current length, can no longer beat the worst finished one; {@code
 * never} when it could not even at the longest possible length (the canonical beam search).
 */
public enum EarlyStopping {
  TRUE,
  FALSE,
  NEVER;

  /** The key's text form: {@code true}, {@code false} or {@code never}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The value of {@code text} (case and surrounding blanks ignored).
   *
   * @throws IllegalArgumentException with the key and value when it is none of the three
   */
  public static EarlyStopping parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> TRUE;
      case "false" -> FALSE;
      case "never" -> NEVER;
      default -> throw new IllegalArgumentException("invalid generation setting early_stopping=" + text
          + ": must be true, false or never");
    };
  }
}
