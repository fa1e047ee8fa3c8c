package dev.sparkgen.model.generate;

/** Why a returned sequence ended. */
public enum FinishReason {
  /** It emitted an eos token (included in its tokens). */
  EOS,
  /** Its decoded text contained a stop string (the text is cut before it). */
  STOP,
  /** It reached max_new_tokens or the model's context. */
  LENGTH;

  /** The lower-case name used in output rows: {@code eos}, {@code stop}, {@code length}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
