package dev.sparkgen.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Collection;
import java.util.Map;

/**
 * {@code x | length} (alias {@code count}): Python's {@code len(x)}; a string counts code points
 * (Jinjava counts UTF-16 units, so an emoji would count 2), Undefined counts 0.
 */
final class LengthFilter implements Filter {
  private final String name;

  LengthFilter(String name) {
    this.name = name;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
    if (var == null) {
      return 0L;
    }
    if (var instanceof CharSequence s) {
      return (long) PyStrings.length(s.toString());
    }
    if (var instanceof Collection<?> c) {
      return (long) c.size();
    }
    if (var instanceof Map<?, ?> m) {
      return (long) m.size();
    }
    if (var instanceof Object[] a) {
      return (long) a.length;
    }
    if (var instanceof Iterable<?> it) {
      long n = 0;
      for (Object ignored : it) {
        n++;
      }
      return n;
    }
    throw new IllegalArgumentException("object of type '" + PyValues.typeName(var) + "' has no len()");
  }
}
