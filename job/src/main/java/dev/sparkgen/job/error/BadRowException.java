package dev.sparkgen.job.error;

/** A row that cannot be generated, thrown under {@code on_error=fail}; the message names the row's id and the reason. */
public final class BadRowException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadRowException(String message) {
    super(message);
  }
}
