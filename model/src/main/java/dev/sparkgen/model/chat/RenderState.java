package dev.sparkgen.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.time.Clock;

/**
 * What one render needs beyond its variables: the clock {@code strftime_now} reads, and the message
 * of the first {@code raise_exception}. It travels in the render's top context under a name no
 * template uses, so the static functions Jinjava calls can find it.
 */
final class RenderState {
  static final String KEY = "__sparkgen_render_state__";

  private final Clock clock;
  private String raised;

  RenderState(Clock clock) {
    this.clock = clock;
  }

  static RenderState current() {
    JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
    Object state = interpreter == null ? null : interpreter.getContext().get(KEY);
    if (!(state instanceof RenderState s)) {
      throw new IllegalStateException("not inside a chat-template render");
    }
    return s;
  }

  Clock clock() {
    return clock;
  }

  void raise(String message) {
    if (raised == null) {
      raised = message;
    }
  }

  /** The first raise_exception message, or null. */
  String raised() {
    return raised;
  }
}
