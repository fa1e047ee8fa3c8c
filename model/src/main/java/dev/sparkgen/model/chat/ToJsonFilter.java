package dev.sparkgen.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code x | tojson(ensure_ascii=False, indent=None, separators=None, sort_keys=False)}: transformers'
 * replacement of jinja2's filter, written by {@link PyJson}. Arguments may be positional in that
 * order or named; {@code indent} is a number of spaces or a string.
 */
final class ToJsonFilter implements Filter {
  private static final List<String> PARAMETERS = List.of("ensure_ascii", "indent", "separators", "sort_keys");

  @Override
  public String getName() {
    return "tojson";
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    Object[] values = new Object[PARAMETERS.size()];
    for (int i = 0; i < args.length; i++) {
      if (i >= values.length) {
        throw new IllegalArgumentException("tojson() takes at most " + values.length + " arguments");
      }
      values[i] = args[i];
    }
    for (Map.Entry<String, Object> e : kwargs.entrySet()) {
      int i = PARAMETERS.indexOf(e.getKey());
      if (i < 0) {
        throw new IllegalArgumentException("tojson() got an unexpected keyword argument '" + e.getKey() + "'");
      }
      values[i] = e.getValue();
    }
    String indent = values[1] == null ? null
        : values[1] instanceof Number n ? " ".repeat(Math.max(0, n.intValue())) : values[1].toString();
    List<String> separators = null;
    if (values[2] instanceof Iterable<?> pair) {
      separators = new ArrayList<>();
      for (Object s : pair) {
        separators.add(String.valueOf(s));
      }
      if (separators.size() != 2) {
        throw new IllegalArgumentException("tojson(): separators must be an (item, key) pair");
      }
    }
    return new PyJson(indent, separators, Boolean.TRUE.equals(values[0]), Boolean.TRUE.equals(values[3])).dumps(var);
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
    return filter(var, interpreter, args, Map.of());
  }
}
