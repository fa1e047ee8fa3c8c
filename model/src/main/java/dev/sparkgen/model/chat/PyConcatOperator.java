package dev.sparkgen.model.chat;

import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;

/**
 * {@code a ~ b}: jinja2's string concatenation, {@code str(a) + str(b)} ({@link PyValues#str}:
 * {@code True}, {@code 2.0}, lists as Python prints them). Jinjava's converts through its EL type
 * converter ({@code true}, {@code 2}).
 */
final class PyConcatOperator extends AstBinary.SimpleOperator {
  static final PyConcatOperator OP = new PyConcatOperator();

  @Override
  protected Object apply(TypeConverter converter, Object a, Object b) {
    return PyValues.str(a).concat(PyValues.str(b));
  }

  @Override
  public String toString() {
    return "~";
  }
}
