package dev.sparkgen.model.chat;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} of template values, which jinja2 uses to print an
 * expression: {@code True}/{@code False}, floats as {@code repr}, lists and dicts as
 * {@code ['a', 1]} and {@code {'k': None}}. Null prints as the empty string, as jinja2's Undefined
 * does (Jinjava does not tell a Python None from Undefined).
 */
final class PyValues {
  private PyValues() {}

  /** {@code str(value)}; null (Undefined) is "". */
  static String str(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof CharSequence s) {
      return s.toString();
    }
    return repr(value);
  }

  /** Python's type name of a value, for error messages ({@code NoneType} for null). */
  static String typeName(Object value) {
    if (value == null) {
      return "NoneType";
    }
    if (value instanceof CharSequence) {
      return "str";
    }
    if (value instanceof Boolean) {
      return "bool";
    }
    if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
      return "float";
    }
    if (value instanceof Number) {
      return "int";
    }
    if (value instanceof Map<?, ?>) {
      return "dict";
    }
    if (value instanceof Iterable<?>) {
      return "list";
    }
    return value.getClass().getSimpleName();
  }

  /** {@code repr(value)}; null is None. */
  static String repr(Object value) {
    StringBuilder out = new StringBuilder();
    repr(out, value);
    return out.toString();
  }

  private static void repr(StringBuilder out, Object value) {
    if (value == null) {
      out.append("None");
    } else if (value instanceof Boolean b) {
      out.append(b ? "True" : "False");
    } else if (value instanceof CharSequence s) {
      quote(out, s.toString());
    } else if (value instanceof Double || value instanceof Float) {
      out.append(floatRepr(((Number) value).doubleValue()));
    } else if (value instanceof BigDecimal d) {
      out.append(floatRepr(d.doubleValue()));
    } else if (value instanceof Number n) {
      out.append(n);
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        repr(out, e.getKey());
        out.append(": ");
        repr(out, e.getValue());
        if (it.hasNext()) {
          out.append(", ");
        }
      }
      out.append('}');
    } else if (value instanceof Iterable<?> items) {
      out.append('[');
      Iterator<?> it = items.iterator();
      while (it.hasNext()) {
        repr(out, it.next());
        if (it.hasNext()) {
          out.append(", ");
        }
      }
      out.append(']');
    } else {
      out.append(value);
    }
  }

  /** Python's string repr: single quotes unless the text has ' and no ", escapes for the unprintable. */
  private static void quote(StringBuilder out, String s) {
    char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    out.append(q);
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      if (c == q || c == '\\') {
        out.append('\\').appendCodePoint(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (printable(c)) {
        out.appendCodePoint(c);
      } else if (c < 0x100) {
        out.append(String.format("\\x%02x", c));
      } else if (c < 0x10000) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.append(String.format("\\U%08x", c));
      }
    }
    out.append(q);
  }

  /** Python's str.isprintable for one code point: not Other (C*) and not a separator other than space. */
  private static boolean printable(int c) {
    if (c == ' ') {
      return true;
    }
    return switch (Character.getType(c)) {
      case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
          Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
      default -> true;
    };
  }

  /**
   * Python's {@code float.__repr__}: the shortest digits that round-trip (Java's
   * {@code Double.toString} gives those too), written positionally when the decimal exponent is in
   * [-4, 16), else as {@code d.ddde+XX}; non-finite values as json.dumps writes them
   * ({@code NaN}, {@code Infinity}, {@code -Infinity}).
   */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    String digits = shortest.unscaledValue().abs().toString();
    int exponent = digits.length() - 1 - shortest.scale(); // |d| = d0.d1d2... x 10^exponent
    String sign = d < 0 ? "-" : "";
    if (exponent >= -4 && exponent < 16) {
      String plain = shortest.abs().toPlainString();
      return sign + (plain.contains(".") ? plain : plain + ".0");
    }
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
  }
}
