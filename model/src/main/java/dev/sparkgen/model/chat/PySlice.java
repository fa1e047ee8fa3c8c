package dev.sparkgen.model.chat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

/**
 * {@code base[start:stop:step]} with Python's slice rules ({@code slice.indices}): missing parts
 * default by the sign of step, negative positions count from the end, out-of-range positions clamp,
 * step 0 is an error. Lists (and other iterables, arrays) give a new list; strings give a string,
 * counted in code points as Python counts characters. Undefined (null) gives null, which renders as
 * empty like jinja2's Undefined.
 */
final class PySlice extends AstRightValue {
  private final AstNode base;
  private final AstNode start;
  private final AstNode stop;
  private final AstNode step;

  PySlice(AstNode base, AstNode start, AstNode stop, AstNode step) {
    this.base = base;
    this.start = start;
    this.stop = stop;
    this.step = step;
  }

  @Override
  public Object eval(Bindings bindings, ELContext context) {
    Object value = base.eval(bindings, context);
    if (value == null) {
      return null;
    }
    Long first = index(start, bindings, context);
    Long last = index(stop, bindings, context);
    Long by = index(step, bindings, context);
    if (value instanceof CharSequence text) {
      int[] codePoints = text.toString().codePoints().toArray();
      StringBuilder out = new StringBuilder();
      for (int i : positions(codePoints.length, first, last, by)) {
        out.appendCodePoint(codePoints[i]);
      }
      return out.toString();
    }
    List<?> items;
    if (value instanceof List<?> list) {
      items = list;
    } else if (value instanceof Object[] array) {
      items = Arrays.asList(array);
    } else if (value instanceof Iterable<?> iterable) {
      List<Object> copy = new ArrayList<>();
      iterable.forEach(copy::add);
      items = copy;
    } else {
      throw new ELException("'" + value.getClass().getSimpleName() + "' object is not subscriptable");
    }
    List<Object> out = new ArrayList<>();
    for (int i : positions(items.size(), first, last, by)) {
      out.add(items.get(i));
    }
    return out;
  }

  /** The selected positions of a sequence of {@code length} items, in order. */
  static int[] positions(int length, Long start, Long stop, Long step) {
    long by = step == null ? 1 : step;
    if (by == 0) {
      throw new ELException("slice step cannot be zero");
    }
    long lo;
    long hi;
    if (by > 0) {
      lo = start == null ? 0 : clamp(start, length, 0, length);
      hi = stop == null ? length : clamp(stop, length, 0, length);
    } else {
      lo = start == null ? length - 1 : clamp(start, length, -1, length - 1);
      hi = stop == null ? -1 : clamp(stop, length, -1, length - 1);
    }
    int n = by > 0 ? (hi > lo ? (int) ((hi - lo - 1) / by + 1) : 0) : (lo > hi ? (int) ((lo - hi - 1) / -by + 1) : 0);
    int[] out = new int[n];
    for (int k = 0; k < n; k++) {
      out[k] = (int) (lo + k * by);
    }
    return out;
  }

  /** A position counted from the end when negative, then clamped to [min, max]. */
  private static long clamp(long position, int length, long min, long max) {
    long p = position < 0 ? position + length : position;
    return Math.max(min, Math.min(max, p));
  }

  private static Long index(AstNode node, Bindings bindings, ELContext context) {
    if (node == null) {
      return null;
    }
    Object v = node.eval(bindings, context);
    if (v == null) {
      return null;
    }
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    throw new ELException("slice indices must be integers or None, not " + v.getClass().getSimpleName());
  }

  @Override
  public void appendStructure(StringBuilder b, Bindings bindings) {
    base.appendStructure(b, bindings);
    b.append('[');
    if (start != null) {
      start.appendStructure(b, bindings);
    }
    b.append(':');
    if (stop != null) {
      stop.appendStructure(b, bindings);
    }
    if (step != null) {
      b.append(':');
      step.appendStructure(b, bindings);
    }
    b.append(']');
  }

  @Override
  public int getCardinality() {
    return children().size();
  }

  @Override
  public AstNode getChild(int i) {
    List<AstNode> children = children();
    return i >= 0 && i < children.size() ? children.get(i) : null;
  }

  private List<AstNode> children() {
    List<AstNode> out = new ArrayList<>(4);
    for (AstNode n : new AstNode[] {base, start, stop, step}) {
      if (n != null) {
        out.add(n);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "[::]";
  }
}
