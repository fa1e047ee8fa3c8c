package dev.sparkgen.job.config;

import dev.sparkgen.job.JobConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code generate [--conf FILE] [--key=value ...]} (or {@code --help}) into settings; all
 * checks happen here, before Spark starts.
 *
 * @param help true when --help was asked for (config is then null)
 * @param config the validated settings
 */
public record CommandLine(boolean help, JobConfig config) {
  /** The one command. */
  public static final String GENERATE = "generate";

  /** Parses the arguments; throws {@link ConfigException} on any problem. */
  public static CommandLine parse(String... args) {
    List<String> list = List.of(args);
    if (list.contains("--help") || list.contains("-h") || list.contains("help")) {
      return new CommandLine(true, null);
    }
    if (list.isEmpty() || !list.get(0).equals(GENERATE)) {
      throw new ConfigException("expected the command 'generate' first, got "
          + (list.isEmpty() ? "nothing" : "'" + list.get(0) + "'") + " (try --help)");
    }
    Path conf = null;
    Map<String, String> cli = new LinkedHashMap<>();
    for (int i = 1; i < list.size(); i++) {
      String a = list.get(i);
      if (a.equals("--conf")) {
        if (i + 1 >= list.size()) {
          throw new ConfigException("--conf needs a file: --conf FILE");
        }
        conf = Path.of(list.get(++i));
      } else if (a.startsWith("--conf=")) {
        conf = Path.of(a.substring("--conf=".length()));
      } else if (a.startsWith("--") && a.indexOf('=') > 2) {
        int eq = a.indexOf('=');
        cli.put(a.substring(2, eq), a.substring(eq + 1));
      } else {
        throw new ConfigException("cannot read argument '" + a + "': expected --key=value or --conf FILE (try --help)");
      }
    }
    Map<String, String> file = conf == null ? Map.of() : Settings.readFile(conf);
    return new CommandLine(false, JobConfig.fromResolved(Settings.resolve(file, cli)));
  }
}
