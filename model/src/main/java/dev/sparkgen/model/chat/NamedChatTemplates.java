package dev.sparkgen.model.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The chat templates a model folder offers, collected and chosen as transformers does.
 *
 * <p>Collected as {@code PreTrainedTokenizerBase.from_pretrained} / {@code _from_pretrained}
 * (transformers {@code tokenization_utils_base.py}) does: {@code chat_template.jinja} is the
 * template named {@code default}, and each {@code additional_chat_templates/<name>.jinja} the
 * template {@code name}; when any of these files exist they replace the {@code chat_template} of
 * {@code tokenizer_config.json} altogether ("independent chat template file(s) ... take priority
 * over template entries in the tokenizer config"). Otherwise the config's {@code chat_template} is
 * a string (one template) or a list of {@code {"name", "template"}} (named templates; a name given
 * twice keeps its last template, as the dict transformers builds from the list does).
 *
 * <p>Chosen as {@code get_chat_template(chat_template, tools)}: a name picks that template; with no
 * name, named templates give {@code tool_use} when tools are passed and the model has one, else
 * {@code default}, else an error listing the names. transformers takes a name it does not know (and
 * any name for a model with one template) as the text of a template to render; sparkgen refuses an
 * unknown name instead, listing the names there are, since a typo would otherwise render the name
 * itself as every prompt. A single template answers to {@code default}.
 */
public final class NamedChatTemplates {
  /** The folder of extra named templates in a model folder. */
  public static final String DIRECTORY = "additional_chat_templates";
  /** The name of the template used when none is asked for. */
  public static final String DEFAULT = "default";
  /** The name transformers picks, with no name asked for, when tools are passed. */
  public static final String TOOL_USE = "tool_use";

  /** One template's text and where it came from (for messages). */
  public record Source(String text, String origin) {}

  private final Map<String, Source> templates; // sorted by name
  private final boolean named; // false: the config's single string template
  private final String where; // what to name in "no such template" messages

  private NamedChatTemplates(Map<String, Source> templates, boolean named, String where) {
    this.templates = templates;
    this.named = named;
    this.where = where;
  }

  /**
   * Reads the templates of {@code modelDir}; none when it has none.
   *
   * @param config the folder's parsed {@code tokenizer_config.json}, or null when it has none
   * @throws IllegalArgumentException for a malformed {@code chat_template}, naming the file
   * @throws UncheckedIOException for a template file that cannot be read, naming it
   */
  static NamedChatTemplates read(Path modelDir, Map<String, Object> config) {
    Map<String, Source> files = new TreeMap<>();
    Path main = modelDir.resolve(ModelChatTemplate.TEMPLATE_FILE);
    if (Files.isRegularFile(main)) {
      files.put(DEFAULT, new Source(read(main), main.toString()));
    }
    Path extra = modelDir.resolve(DIRECTORY);
    if (Files.isDirectory(extra)) {
      try (DirectoryStream<Path> jinja = Files.newDirectoryStream(extra, "*.jinja")) {
        for (Path f : jinja) {
          String name = f.getFileName().toString();
          files.put(name.substring(0, name.length() - ".jinja".length()), new Source(read(f), f.toString()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + extra + ": " + e.getMessage(), e);
      }
    }
    if (!files.isEmpty()) {
      boolean single = files.size() == 1 && files.containsKey(DEFAULT);
      return new NamedChatTemplates(files, !single, modelDir + " (" + ModelChatTemplate.TEMPLATE_FILE + ", " + DIRECTORY + "/)");
    }
    Path configFile = modelDir.resolve(ModelChatTemplate.CONFIG_FILE);
    Object value = config == null ? null : config.get("chat_template");
    String origin = configFile + " (chat_template)";
    if (value == null) {
      return new NamedChatTemplates(Map.of(), false, configFile.toString());
    }
    if (value instanceof String s) {
      return new NamedChatTemplates(Map.of(DEFAULT, new Source(s, origin)), false, origin);
    }
    if (value instanceof List<?> list) {
      Map<String, Source> named = new TreeMap<>();
      for (Object o : list) {
        if (!(o instanceof Map<?, ?> m) || !(m.get("name") instanceof String name) || !(m.get("template") instanceof String t)) {
          throw new IllegalArgumentException(configFile + ": chat_template list items must be {\"name\": ..., \"template\": ...},"
              + " not " + o);
        }
        named.put(name, new Source(t, configFile + " (chat_template \"" + name + "\")"));
      }
      return new NamedChatTemplates(named, true, origin);
    }
    throw new IllegalArgumentException(configFile + ": chat_template must be a string or a list of named templates");
  }

  /** Whether the folder has any template. */
  boolean isEmpty() {
    return templates.isEmpty();
  }

  /** The names there are, sorted ({@code default} alone for a single template). */
  public List<String> names() {
    return List.copyOf(templates.keySet());
  }

  /**
   * The template to render.
   *
   * @param name the template asked for, or null for transformers' choice
   * @param tools whether tools are passed to the template (with no name: {@code tool_use} first)
   * @throws IllegalArgumentException when there is no such template, listing the names there are
   */
  public Source select(String name, boolean tools) {
    if (templates.isEmpty()) {
      throw new IllegalArgumentException("no chat template: " + where + " has no \"chat_template\" and there is no "
          + ModelChatTemplate.TEMPLATE_FILE + " beside it (set chat_template_file, or chat_template=none)");
    }
    if (name != null) {
      Source s = templates.get(name);
      if (s == null) {
        throw new IllegalArgumentException(where + " has no chat template named \"" + name + "\"; "
            + (named ? "its templates are " + names() : "it has a single template (chat_template=auto uses it)"));
      }
      return s;
    }
    if (named && tools && templates.containsKey(TOOL_USE)) {
      return templates.get(TOOL_USE);
    }
    Source s = templates.get(DEFAULT);
    if (s == null) {
      throw new IllegalArgumentException(where + " has named chat templates " + names() + " but none is \"default\""
          + " (set chat_template to the name of the one to use)");
    }
    return s;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
