package dev.sparkgen.model.chat;

import com.hubspot.jinjava.interpret.AutoCloseableSupplier.AutoCloseableImpl;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.ContextConfigurationIF.ErrorHandlingStrategyIF.TemplateErrorTypeHandlingStrategy;
import com.hubspot.jinjava.interpret.ErrorHandlingStrategy;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.tree.Node;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face chat template (Jinja source), parsed once and rendered as transformers' jinja2
 * environment renders it ({@link HfJinjava}). Immutable and safe to share between threads: parse
 * it once per JVM and render every row with it.
 *
 * <p>Source differences jinja2 applies before lexing are applied here too: line endings become
 * {@code \n} and one trailing newline is dropped ({@code keep_trailing_newline=False}). Rules
 * of jinja2's lexer that Jinjava's scanner lacks are applied to the source before Jinjava parses
 * it: {@link RawBlocks} (signs on the raw tags), {@link BlockWhitespace} ({@code trim_blocks},
 * {@code lstrip_blocks} and their {@code +} signs) and {@link ExpressionBraces} ({@code }}} inside
 * an expression's brackets).
 */
public final class ChatTemplate {
  /** Fatal errors end the render at once (jinja2 raises); warnings are dropped. */
  static final ErrorHandlingStrategy STOP_AT_FIRST_ERROR = ErrorHandlingStrategy.builder()
      .setFatalErrorStrategy(TemplateErrorTypeHandlingStrategy.THROW_EXCEPTION)
      .setNonFatalErrorStrategy(TemplateErrorTypeHandlingStrategy.IGNORE)
      .build();

  private final String source;
  private final String origin;
  private final Node root;
  private final Clock clock;

  private ChatTemplate(String source, String origin, Node root, Clock clock) {
    this.source = source;
    this.origin = origin;
    this.root = root;
    this.clock = clock;
  }

  /** Parses {@code source}; errors name {@code origin} (for example the file it came from). */
  public static ChatTemplate compile(String source, String origin) {
    return compile(source, origin, Clock.systemDefaultZone());
  }

  /**
   * Parses {@code source}, with {@code clock} as what {@code strftime_now} reads (local date-time in
   * the clock's zone).
   *
   * @throws ChatTemplateException when the source does not parse
   */
  public static ChatTemplate compile(String source, String origin, Clock clock) {
    Objects.requireNonNull(source, "source");
    HfJinjava jinjava = HfJinjava.INSTANCE;
    JinjavaInterpreter interpreter = jinjava.newInterpreter();
    Node root;
    try (AutoCloseableImpl<JinjavaInterpreter> current = JinjavaInterpreter.closeablePushCurrent(interpreter).get()) {
      root = current.value().parse(jinjaSource(source));
    }
    List<TemplateError> errors = interpreter.getErrorsCopy();
    for (TemplateError e : errors) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new ChatTemplateException("cannot parse the chat template of " + origin + " (line " + e.getLineno() + "): "
            + e.getMessage(), false, e.getException());
      }
    }
    return new ChatTemplate(source, origin, root, clock);
  }

  /**
   * The source Jinjava parses: jinja2's normalisation (newlines to {@code \n}, one trailing newline
   * removed), then the lexer rules Jinjava lacks ({@link RawBlocks}, {@link BlockWhitespace},
   * {@link ExpressionBraces}).
   */
  static String jinjaSource(String source) {
    String s = source.indexOf('\r') >= 0 ? source.replace("\r\n", "\n").replace('\r', '\n') : source;
    s = s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    return TemplateSegments.join(ExpressionBraces.apply(BlockWhitespace.apply(RawBlocks.apply(TemplateSegments.cut(s)))));
  }

  /**
   * Renders with {@code variables} (names to plain Java values: String, Boolean, Long, Double,
   * List, Map, null).
   *
   * @return the rendered text, byte for byte what jinja2 renders
   * @throws ChatTemplateException with the template's message when it calls {@code raise_exception},
   *     or with the engine's message for any other error
   */
  public String render(Map<String, ?> variables) {
    RenderState state = new RenderState(clock);
    HfJinjava jinjava = HfJinjava.INSTANCE;
    PyInterpreter interpreter = jinjava.interpreter();
    String out;
    boolean clean = false;
    try (AutoCloseableImpl<JinjavaInterpreter> current = JinjavaInterpreter.closeablePushCurrent(interpreter).get()) {
      current.value().enterScope(); // this render's variables and sets live here, gone when it ends
      try {
        Context context = interpreter.getContext();
        context.putAll(variables);
        context.put(RenderState.KEY, state);
        out = interpreter.render(root, false);
      } finally {
        interpreter.leaveScope();
      }
      List<TemplateError> errors = interpreter.getErrorsCopy();
      clean = errors.isEmpty(); // always, as fatal errors throw and warnings are dropped; checked anyway
      for (TemplateError e : errors) {
        if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
          throw failure(state, e.getMessage(), e.getException());
        }
      }
    } catch (ChatTemplateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw failure(state, e.getMessage(), e);
    } finally {
      if (!clean) {
        jinjava.discardInterpreter();
      }
    }
    if (state.raised() != null) {
      throw failure(state, null, null);
    }
    return out;
  }

  private ChatTemplateException failure(RenderState state, String message, Throwable cause) {
    if (state.raised() != null) {
      return new ChatTemplateException(state.raised(), true, null);
    }
    return new ChatTemplateException("chat template of " + origin + ": " + message, false, cause);
  }

  /** The template text as given. */
  public String source() {
    return source;
  }

  /** Where the template came from, for messages. */
  public String origin() {
    return origin;
  }
}
