package dev.sparkgen.job.config;

import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.model.cli.Options;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code generate [--conf FILE] [--key=value | --key value ...]} (or {@code --help}) into
 * settings; all checks happen here, before Spark starts. {@code report} is the other command, with
 * its own keys ({@code sparkgen report --help}).
 *
 * @param help true when --help was asked for (config is then null)
 * @param config the validated settings
 * @param set the values the --conf file and the command line set (over the built-in defaults), for --help
 */
public record CommandLine(boolean help, JobConfig config, Map<String, String> set) {
  /** The generation command. */
  public static final String GENERATE = "generate";
  /** The degeneration report's command (its own module: sparkgen-report). */
  public static final String REPORT = "report";

  /** Parses the arguments; throws {@link ConfigException} on any problem. */
  public static CommandLine parse(String... args) {
    List<String> list = List.of(args);
    boolean help = list.contains("--help") || list.contains("-h") || (!list.isEmpty() && list.get(0).equals("help"));
    if (!help && (list.isEmpty() || !list.get(0).equals(GENERATE))) {
      throw new ConfigException("expected the command '" + GENERATE + "' or '" + REPORT + "' first, got "
          + (list.isEmpty() ? "nothing" : "'" + list.get(0) + "'") + " (try --help)");
    }
    List<String> options = list.stream().filter(a -> !a.equals("--help") && !a.equals("-h")).toList();
    if (!options.isEmpty() && (options.get(0).equals(GENERATE) || options.get(0).equals("help"))) {
      options = options.subList(1, options.size());
    }
    Map<String, String> cli;
    try {
      cli = new LinkedHashMap<>(Options.parse(options, "(try --help)"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    String confFile = cli.remove("conf");
    Map<String, String> file = confFile == null ? Map.of() : Settings.readFile(Path.of(confFile));
    Map<String, String> resolved = Settings.resolve(file, confFile == null ? null : Path.of(confFile), cli);
    Map<String, String> set = new LinkedHashMap<>(file);
    set.putAll(cli);
    if (help) {
      return new CommandLine(true, null, set);
    }
    return new CommandLine(false, JobConfig.fromResolved(resolved), set);
  }
}
