package dev.sparkgen.model.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} as transformers' chat-template {@code tojson} filter calls it:
 * {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)} by
 * default. Separators are {@code ", "} and {@code ": "} ({@code ","} between items when indented),
 * keys keep their insertion order, strings escape only {@code "}, {@code \}, and control
 * characters, non-ASCII stays as is unless ensure_ascii, floats print as Python's {@code repr},
 * and an indent puts each item on its own line. Jinjava's built-in {@code tojson} (Jackson,
 * compact) differs in all of these.
 *
 * <p>Source: transformers {@code utils/chat_template_utils.py} ({@code tojson}) and CPython
 * {@code Lib/json/encoder.py}.
 */
final class PyJson {
  private final String indent;
  private final String itemSeparator;
  private final String keySeparator;
  private final boolean ensureAscii;
  private final boolean sortKeys;

  /**
   * @param indent null for one line; otherwise the indentation unit (Python's int n is n spaces)
   * @param separators null for Python's defaults, else {item separator, key separator}
   */
  PyJson(String indent, List<String> separators, boolean ensureAscii, boolean sortKeys) {
    this.indent = indent;
    this.itemSeparator = separators != null ? separators.get(0) : indent != null ? "," : ", ";
    this.keySeparator = separators != null ? separators.get(1) : ": ";
    this.ensureAscii = ensureAscii;
    this.sortKeys = sortKeys;
  }

  /** json.dumps of value. */
  String dumps(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0);
    return out.toString();
  }

  private void write(StringBuilder out, Object value, int depth) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (value instanceof CharSequence s) {
      quote(out, s.toString());
    } else if (value instanceof Character c) {
      quote(out, c.toString());
    } else if (value instanceof Double || value instanceof Float) {
      out.append(floatRepr(((Number) value).doubleValue()));
    } else if (value instanceof BigDecimal d) {
      out.append(floatRepr(d.doubleValue()));
    } else if (value instanceof Number n) {
      out.append(n instanceof BigInteger ? n.toString() : Long.toString(n.longValue()));
    } else if (value instanceof Map<?, ?> map) {
      writeMap(out, map, depth);
    } else if (value instanceof Iterable<?> items) {
      writeList(out, items.iterator(), depth);
    } else if (value instanceof Object[] array) {
      writeList(out, List.of(array).iterator(), depth);
    } else {
      throw new IllegalArgumentException("Object of type " + value.getClass().getSimpleName() + " is not JSON serializable");
    }
  }

  private void writeList(StringBuilder out, Iterator<?> items, int depth) {
    if (!items.hasNext()) {
      out.append("[]");
      return;
    }
    out.append('[');
    boolean first = true;
    while (items.hasNext()) {
      separate(out, first, depth + 1);
      write(out, items.next(), depth + 1);
      first = false;
    }
    newline(out, depth);
    out.append(']');
  }

  private void writeMap(StringBuilder out, Map<?, ?> map, int depth) {
    if (map.isEmpty()) {
      out.append("{}");
      return;
    }
    List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
    if (sortKeys) {
      entries.sort((x, y) -> key(x.getKey()).compareTo(key(y.getKey())));
    }
    out.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : entries) {
      separate(out, first, depth + 1);
      quote(out, key(e.getKey()));
      out.append(keySeparator);
      write(out, e.getValue(), depth + 1);
      first = false;
    }
    newline(out, depth);
    out.append('}');
  }

  /** Python converts str, int, float, bool and None keys to strings. */
  private String key(Object k) {
    if (k instanceof CharSequence s) {
      return s.toString();
    }
    if (k == null) {
      return "null";
    }
    if (k instanceof Boolean b) {
      return b ? "true" : "false";
    }
    if (k instanceof Double || k instanceof Float) {
      return floatRepr(((Number) k).doubleValue());
    }
    if (k instanceof Number n) {
      return Long.toString(n.longValue());
    }
    throw new IllegalArgumentException("keys must be str, int, float, bool or None, not " + k.getClass().getSimpleName());
  }

  private void separate(StringBuilder out, boolean first, int depth) {
    if (!first) {
      out.append(itemSeparator);
    }
    newline(out, depth);
  }

  private void newline(StringBuilder out, int depth) {
    if (indent != null) {
      out.append('\n');
      out.append(indent.repeat(depth));
    }
  }

  private void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || ensureAscii && c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c)); // UTF-16 units: surrogate pairs as Python writes them
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static String floatRepr(double d) {
    return PyValues.floatRepr(d); // json.dumps writes floats with float.__repr__
  }
}
