package dev.sparkgen.job.config;

/**
 * One setting: its name, default, the values it takes, and a help line. A name ending in '.' is a
 * prefix ({@code input_option.}): it stands for every key that starts with it ({@link #matches}).
 *
 * @param defaultValue the built-in default (empty = unset); for a generation key, Hugging Face's
 *     default as shown by --help (the model's generation_config.json comes first)
 * @param generation true for the Hugging Face generation keys, handed to {@code GenerationConfig}
 * @param path true when a relative value in a properties file is resolved against the file's folder
 */
public record Key(String name, String defaultValue, String values, String help, boolean generation, boolean path) {

  /** True for a prefix key such as {@code input_option.}. */
  public boolean prefix() {
    return name.endsWith(".");
  }

  /** Whether {@code key} is this key, or for a prefix key, starts with it and names something after it. */
  public boolean matches(String key) {
    return prefix() ? key.startsWith(name) && key.length() > name.length() : key.equals(name);
  }
}
