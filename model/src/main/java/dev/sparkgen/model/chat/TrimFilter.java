package dev.sparkgen.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;

/**
 * {@code x | trim(chars=None)}: jinja2's {@code do_trim}, which is Python's {@code str(x).strip(chars)}.
 * Jinjava's own filter uses Java's whitespace rule (keeps U+00A0, U+3000 ...). Undefined gives "".
 */
final class TrimFilter implements Filter {
  @Override
  public String getName() {
    return "trim";
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    if (var == null) {
      return "";
    }
    Object chars = kwargs.containsKey("chars") ? kwargs.get("chars") : args.length > 0 ? args[0] : null;
    return PyStrings.strip(interpreter.getAsString(var), chars == null ? null : chars.toString());
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
    return filter(var, interpreter, args, Map.of());
  }
}
