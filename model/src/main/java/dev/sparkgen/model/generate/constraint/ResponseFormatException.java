package dev.sparkgen.model.generate.constraint;

/**
 * A response format that cannot be used: a malformed setting, a JSON Schema keyword outside the
 * supported subset, a regular expression construct that is not regular, a language with no text.
 * For schemas, {@link #keyword} and {@link #path} (a JSON Pointer such as
 * {@code #/properties/age/minimum}) say where; both are null otherwise.
 */
public final class ResponseFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String keyword;
  private final String path;

  /** A refusal that names no schema location. */
  public ResponseFormatException(String message) {
    this(message, null, null);
  }

  /** A refusal of {@code keyword} at {@code path}; the message should name both. */
  public ResponseFormatException(String message, String keyword, String path) {
    super(message);
    this.keyword = keyword;
    this.path = path;
  }

  /** The refused JSON Schema keyword, or null. */
  public String keyword() {
    return keyword;
  }

  /** JSON Pointer of the refused keyword in the schema (e.g. {@code #/properties/age/minimum}), or null. */
  public String path() {
    return path;
  }
}
