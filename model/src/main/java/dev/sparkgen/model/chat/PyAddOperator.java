package dev.sparkgen.model.chat;

import java.util.ArrayList;
import java.util.List;
import jinjava.de.odysseus.el.misc.NumberOperations;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.javax.el.ELException;

/**
 * {@code a + b} as Python evaluates it: str + str, number + number, list + list; anything else is
 * a TypeError. Jinjava's operator turns {@code 'a' + none} into {@code "anull"} and
 * {@code 'n' + 1} into {@code "n1"}, where a template under jinja2 fails, so a message with a
 * missing field would be rendered wrong instead of reported.
 */
final class PyAddOperator extends AstBinary.SimpleOperator {
  static final PyAddOperator OP = new PyAddOperator();

  @Override
  protected Object apply(TypeConverter converter, Object a, Object b) {
    if (a instanceof CharSequence x && b instanceof CharSequence y) {
      return x.toString().concat(y.toString());
    }
    if (isNumber(a) && isNumber(b)) {
      return NumberOperations.add(converter, a, b);
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      List<Object> out = new ArrayList<>(x.size() + y.size());
      out.addAll(x);
      out.addAll(y);
      return out;
    }
    if (a instanceof CharSequence) {
      throw new ELException("can only concatenate str (not \"" + PyValues.typeName(b) + "\") to str");
    }
    if (a instanceof List<?>) {
      throw new ELException("can only concatenate list (not \"" + PyValues.typeName(b) + "\") to list");
    }
    throw new ELException("unsupported operand type(s) for +: '" + PyValues.typeName(a) + "' and '" + PyValues.typeName(b) + "'");
  }

  private static boolean isNumber(Object o) {
    return o instanceof Number;
  }

  @Override
  public String toString() {
    return "+";
  }
}
