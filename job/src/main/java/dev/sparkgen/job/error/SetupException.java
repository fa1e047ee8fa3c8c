package dev.sparkgen.job.error;

/** The model, tokenizer, input or output location cannot be used; found on the driver before any generation. */
public final class SetupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SetupException(String message) {
    super(message);
  }

  public SetupException(String message, Throwable cause) {
    super(message, cause);
  }
}
