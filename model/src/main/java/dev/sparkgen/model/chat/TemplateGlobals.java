package dev.sparkgen.model.chat;

import java.time.LocalDateTime;

/**
 * The functions transformers adds to a chat template's globals. Jinjava binds functions to static
 * methods; the render they belong to is found through the current interpreter's context
 * ({@link RenderState}).
 */
final class TemplateGlobals {
  private TemplateGlobals() {}

  /**
   * {@code raise_exception(message)}: ends the render with a template error carrying {@code message}
   * (transformers raises {@code jinja2.exceptions.TemplateError(message)}).
   */
  public static Object raiseException(Object message) {
    String text = String.valueOf(message);
    RenderState.current().raise(text);
    throw new TemplateRaisedException(text);
  }

  /** {@code strftime_now(format)}: the render's clock, as a naive local time, through {@link Strftime}. */
  public static String strftimeNow(String format) {
    return Strftime.format(LocalDateTime.now(RenderState.current().clock()), format);
  }

  /** Thrown through Jinjava to stop the render; the message is read back from {@link RenderState}. */
  static final class TemplateRaisedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TemplateRaisedException(String message) {
      super(message, null, false, false);
    }
  }

  /** The value a global function's name has as a variable: defined, truthy, printed as Python would. */
  record Function(String name) {
    @Override
    public String toString() {
      return "<function " + name + ">";
    }
  }
}
