package dev.sparkgen.job.config;

/**
 * One setting: its name, default, the values it takes, and a help line.
 *
 * @param defaultValue the built-in default (empty = unset); for a generation key, Hugging Face's
 *     default as shown by --help (the model's generation_config.json comes first)
 * @param generation true for the Hugging Face generation keys, handed to {@code GenerationConfig}
 * @param path true when a relative value in a properties file is resolved against the file's folder
 */
public record Key(String name, String defaultValue, String values, String help, boolean generation, boolean path) {}
