package dev.sparkgen.model.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * Jinjava set up as transformers sets up jinja2 for chat templates
 * ({@code transformers.utils.chat_template_utils._compile_jinja_template}: an
 * {@code ImmutableSandboxedEnvironment} with {@code trim_blocks}, {@code lstrip_blocks}, the
 * {@code loopcontrols} extension, a {@code generation} tag, {@code tojson} replaced, and the globals
 * {@code raise_exception} and {@code strftime_now}).
 *
 * <p>Engine settings, and why:
 *
 * <ul>
 *   <li>{@code trim_blocks}, {@code lstrip_blocks}: as transformers, but applied to the source by
 *       {@link BlockWhitespace} with jinja2's rules (Jinjava's strip mid-line spaces and know no
 *       {@code +} signs); Jinjava's own are off.
 *   <li>Legacy overrides: natural operator precedence (jinja2's: {@code a + b | trim} trims only b,
 *       {@code messages|length - 1} subtracts from the length), strict whitespace-control parsing,
 *       {@code -} trimming around expressions and comments, dict literal keys evaluated, {@code for}
 *       over a dict gives its keys, null loop items kept. Printing is {@link PyInterpreter}'s.
 *       Not "whitespace required within tokens": templates write {@code {{'x'}}}.
 *   <li>Filter chains call filters directly (Jinjava's "filter chain optimization"); otherwise each
 *       {@code |filter} is a reflective method call, the largest cost of a render.
 *   <li>Nested interpretation off: Jinjava would otherwise render a {@code {{ ... }}} that appears in
 *       a message's content as a template; jinja2 prints data as is.
 *   <li>No autoescape (the jinja2 sandbox default): {@code <}, {@code &} and quotes print raw.
 *   <li>The expression parser is {@link PyExpressionParser} (keyword arguments, Python slices), and
 *       {@link PyMethodResolver} answers Python str and dict methods before Jinjava's resolvers.
 *       The parser also puts {@code not} below comparisons and makes {@code +}, {@code *} and
 *       {@code ~} Python's.
 *   <li>Filters {@code tojson} ({@link PyJson}) and {@code trim} (Python {@code str.strip}, which
 *       also strips Unicode spaces Java's trim keeps), the test {@code iterable} (a string is
 *       iterable in Python), {@code length}/{@code count} ({@link LengthFilter}: code points), the globals {@code raise_exception} and {@code strftime_now}
 *       ({@link TemplateGlobals}), the {@code generation} block ({@link GenerationTag}), and a
 *       {@code for} with loop filters and {@code else} ({@link PyForTag}).
 * </ul>
 *
 * One instance serves every template in the JVM; it holds no per-render state and is safe to share
 * between threads (each render runs in its own scope of a per-thread interpreter: {@link #interpreter}).
 */
final class HfJinjava extends Jinjava {
  /** The one environment of this JVM. */
  static final HfJinjava INSTANCE = new HfJinjava();

  private final ExpressionFactory expressions;

  private HfJinjava() {
    super(config());
    this.expressions = new ExpressionFactoryImpl(new Properties(), new TruthyTypeConverter()) {
      @Override
      protected TreeBuilder createTreeBuilder(Properties properties, Builder.Feature... features) {
        return new PyExpressionParser.TreeBuilder(features);
      }
    };
    var global = getGlobalContext();
    global.registerFilter(new ToJsonFilter());
    global.registerFilter(new TrimFilter());
    global.registerFilter(new LengthFilter("length"));
    global.registerFilter(new LengthFilter("count"));
    global.registerExpTest(new IterableTest());
    global.registerTag(new GenerationTag());
    global.registerTag(new PyForTag());
    global.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateGlobals.class, "raiseException", Object.class));
    global.registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateGlobals.class, "strftimeNow", String.class));
    // In jinja2 a global function is also a variable: Llama 3.x asks `strftime_now is defined`.
    // Jinjava resolves calls through its function table and never sees these values.
    global.put("raise_exception", new TemplateGlobals.Function("raise_exception"));
    global.put("strftime_now", new TemplateGlobals.Function("strftime_now"));
  }

  private static JinjavaConfig config() {
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PyMethodResolver());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    return JinjavaConfig.newBuilder()
        .withTrimBlocks(false) // done on the source, as jinja2 does: BlockWhitespace
        .withLstripBlocks(false)
        .withNestedInterpretationEnabled(false)
        .withEnableFilterChainOptimization(true)
        .withRangeLimit(100_000) // jinja2's sandbox allows range() up to 100,000 items; Jinjava's default is 1,000
        .withElResolver(resolver)
        .withLegacyOverrides(LegacyOverrides.newBuilder()
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .withAllowAdjacentTextNodes(true)
            .withEvaluateMapKeys(true)
            .withIterateOverMapKeys(true)
            .withKeepNullableLoopValues(true)
            .build())
        .build();
  }

  /**
   * This thread's interpreter, whose context is a private copy of the global context (filters,
   * tests, functions, tags, the function-name variables); a render runs in a child scope of it.
   *
   * <p>Why per thread: Jinjava's contexts record every name they resolve in their parents too, up to
   * the root. With the shared global context as parent, concurrent renders would write one HashSet
   * from several threads (Jinjava's own {@code renderForResult} copies the global context per
   * render for that reason). And building an interpreter registers every function again, a fifth
   * of a small template's render. A task thread makes one and keeps it; {@link #discardInterpreter}
   * drops it after a render that failed, so no state of a failed render reaches the next row.
   */
  PyInterpreter interpreter() {
    return interpreters.get();
  }

  /** Forgets this thread's interpreter; the next render builds a new one. */
  void discardInterpreter() {
    interpreters.remove();
  }

  private final ThreadLocal<PyInterpreter> interpreters = ThreadLocal.withInitial(() -> {
    Context root = getGlobalContextCopy();
    root.setErrorHandlingStrategy(ChatTemplate.STOP_AT_FIRST_ERROR);
    return new PyInterpreter(this, root, getGlobalConfig());
  });

  @Override
  public ExpressionFactory getExpressionFactory() {
    return expressions;
  }
}
