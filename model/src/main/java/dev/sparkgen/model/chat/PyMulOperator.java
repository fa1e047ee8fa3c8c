package dev.sparkgen.model.chat;

import java.util.ArrayList;
import java.util.List;
import jinjava.de.odysseus.el.misc.NumberOperations;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;

/**
 * {@code a * b} as Python evaluates it: a string or list times an int repeats it
 * ({@code '  ' * depth}, {@code '=' * 20}); numbers multiply. Jinjava's operator would coerce the
 * string to a number.
 */
final class PyMulOperator extends AstBinary.SimpleOperator {
  static final PyMulOperator OP = new PyMulOperator();

  @Override
  protected Object apply(TypeConverter converter, Object a, Object b) {
    if (isInt(b) && (a instanceof CharSequence || a instanceof List<?>)) {
      return repeat(a, ((Number) b).longValue());
    }
    if (isInt(a) && (b instanceof CharSequence || b instanceof List<?>)) {
      return repeat(b, ((Number) a).longValue());
    }
    return NumberOperations.mul(converter, a, b);
  }

  private static Object repeat(Object sequence, long times) {
    int n = (int) Math.max(0, Math.min(times, 1 << 20));
    if (sequence instanceof CharSequence s) {
      return s.toString().repeat(n);
    }
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.addAll((List<?>) sequence);
    }
    return out;
  }

  private static boolean isInt(Object o) {
    return o instanceof Long || o instanceof Integer;
  }

  @Override
  public String toString() {
    return "*";
  }
}
