package dev.sparkgen.model.chat;

/**
 * A chat template that cannot be parsed, or that fails for one conversation. For a template's own
 * {@code raise_exception(msg)} the message is exactly {@code msg}, as transformers reports it
 * ({@link #raisedByTemplate()} true); engine errors say what failed and where.
 */
public final class ChatTemplateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean raisedByTemplate;

  ChatTemplateException(String message, boolean raisedByTemplate, Throwable cause) {
    super(message, cause);
    this.raisedByTemplate = raisedByTemplate;
  }

  /** True when the template called {@code raise_exception}: the conversation is one the model does not accept. */
  public boolean raisedByTemplate() {
    return raisedByTemplate;
  }
}
