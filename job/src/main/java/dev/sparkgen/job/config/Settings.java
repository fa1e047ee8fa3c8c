package dev.sparkgen.job.config;

import dev.sparkgen.job.error.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The one place where precedence is decided: built-in defaults, then a properties file, then
 * command-line values, later winning. Unknown keys are refused here with the nearest known key.
 */
public final class Settings {
  private Settings() {}

  /**
   * Merges the layers over the built-in defaults and returns the raw values of every key that has
   * one (generation keys only where set). {@code file} and {@code cli} may be empty.
   */
  public static Map<String, String> resolve(Map<String, String> file, Map<String, String> cli) {
    return resolve(file, null, cli);
  }

  /**
   * As {@link #resolve(Map, Map)}, naming {@code fileName} (the --conf file; null: none named) in the
   * message that refuses an unknown key of {@code file}.
   */
  public static Map<String, String> resolve(Map<String, String> file, Path fileName, Map<String, String> cli) {
    Map<String, String> merged = new LinkedHashMap<>();
    for (Key k : Keys.JOB) {
      if (!k.prefix()) {
        merged.put(k.name(), k.defaultValue());
      }
    }
    checkKnown(file, "in the properties file" + (fileName == null ? "" : " " + fileName));
    checkKnown(cli, "on the command line");
    merged.putAll(file);
    merged.putAll(cli);
    return merged;
  }

  private static void checkKnown(Map<String, String> values, String where) {
    List<Key> keys = Keys.all();
    for (String key : values.keySet()) {
      if (keys.stream().noneMatch(k -> k.matches(key))) {
        String near = Suggestions.nearest(key, Keys.names());
        throw new ConfigException("unknown key '" + key + "' " + where
            + (near != null ? "; did you mean '" + near + "'?" : "") + " (--help lists every key)");
      }
    }
  }

  /**
   * Reads a properties file; relative path values (model, tokenizer, input, output, the FILE of
   * {@code response_format=json_schema:@FILE}) are resolved
   * against the file's folder so that a file works from any working directory.
   */
  public static Map<String, String> readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("--conf " + file + ": no such file");
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("--conf " + file + ": cannot read: " + e.getMessage(), e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    Path dir = file.toAbsolutePath().getParent();
    for (String key : p.stringPropertyNames().stream().sorted().toList()) {
      String value = literal(key) ? p.getProperty(key) : p.getProperty(key).trim();
      boolean isPath = Keys.JOB.stream().anyMatch(k -> k.name().equals(key) && k.path());
      if (key.equals("response_format") && value.startsWith("json_schema:@")) { // a schema file, like a path
        value = "json_schema:@" + relativeTo(dir, value.substring("json_schema:@".length()));
      }
      out.put(key, isPath ? relativeTo(dir, value) : value);
    }
    return out;
  }

  /**
   * Keys whose values are taken as written, white space included: a stop string (" t40", "\n\n"),
   * Spark reader options (a separator) and the system prompt. The others are trimmed.
   */
  public static boolean literal(String key) {
    return key.equals("stop") || key.startsWith(Keys.INPUT_OPTION) || key.equals("system_prompt");
  }

  private static String relativeTo(Path dir, String value) {
    if (value.isEmpty() || value.equals("random") || hasScheme(value) || Path.of(value).isAbsolute()) {
      return value;
    }
    return dir.resolve(value).normalize().toString();
  }

  private static boolean hasScheme(String value) {
    try {
      String scheme = URI.create(value.replace(" ", "%20").replace("{", "%7B").replace("}", "%7D")).getScheme();
      return scheme != null && scheme.length() > 1; // one letter is a Windows drive
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
