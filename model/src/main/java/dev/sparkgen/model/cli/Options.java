package dev.sparkgen.model.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options as key/value pairs, in either form: {@code --key=value} or {@code --key value}
 * (the next argument is the value; to give a value that starts with "--", use the first form).
 * Later occurrences win. The one reader of every sparkgen program: {@code generate}, {@code report}
 * and the demo model's trainer.
 */
public final class Options {
  private Options() {}

  /**
   * The options in {@code args}, by key, in order.
   *
   * @param usage ends the messages, e.g. "(try --help)"
   * @throws IllegalArgumentException for an argument that is not an option, or an option without its value
   */
  public static Map<String, String> parse(List<String> args, String usage) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("--") || a.length() == 2 || a.charAt(2) == '=') {
        throw new IllegalArgumentException("cannot read argument '" + a + "': expected --key=value or --key value "
            + usage);
      }
      int eq = a.indexOf('=');
      if (eq > 2) {
        out.put(a.substring(2, eq), a.substring(eq + 1));
      } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
        out.put(a.substring(2), args.get(++i));
      } else {
        throw new IllegalArgumentException("'" + a + "' needs a value: " + a + "=VALUE or " + a + " VALUE " + usage);
      }
    }
    return out;
  }
}
