package dev.sparkgen.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import java.util.Map;

/**
 * {@code x is iterable}: jinja2's {@code test_iterable} ({@code iter(x)} works), true for strings as
 * well as lists and dicts. Jinjava's says false for a string; Llama 3.x's tool-result branch
 * ({@code message.content is mapping or message.content is iterable}) then skips {@code tojson}.
 */
final class IterableTest implements ExpTest {
  @Override
  public String getName() {
    return "iterable";
  }

  @Override
  public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
    return var instanceof Iterable<?> || var instanceof Map<?, ?> || var instanceof CharSequence
        || var != null && var.getClass().isArray();
  }
}
