package dev.sparkgen.model.json;

/**
 * A JSON file that cannot be used: not JSON, too deep, too large, or a value of the wrong type or
 * out of range. The message is one line that names the file and, where it applies, the key path.
 */
public final class JsonValueException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JsonValueException(String message) {
    super(message);
  }

  public JsonValueException(String message, Throwable cause) {
    super(message, cause);
  }
}
