package dev.sparkgen.model.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template with the special tokens it is rendered with: what transformers'
 * {@code tokenizer.apply_chat_template(messages, add_generation_prompt=..., tokenize=False, **kwargs)}
 * uses.
 *
 * <p>Where the template comes from, first found wins (transformers' order): an override file; the
 * model folder's {@code chat_template.jinja} (transformers lets it clobber the config's); the
 * {@code chat_template} of {@code tokenizer_config.json}, a string or a list of
 * {@code {"name", "template"}} of which {@code default} is used. Special tokens always come from
 * {@code tokenizer_config.json} ({@link SpecialTokens}).
 */
public final class ModelChatTemplate {
  /** The file in a model folder that holds the special tokens and usually the template. */
  public static final String CONFIG_FILE = "tokenizer_config.json";
  /** The separate template file of newer checkpoints. */
  public static final String TEMPLATE_FILE = "chat_template.jinja";
  /** Variables every render sets; a kwarg cannot replace them. */
  public static final List<String> RESERVED = List.of("messages", "add_generation_prompt");

  private final ChatTemplate template;
  private final SpecialTokens specialTokens;

  public ModelChatTemplate(ChatTemplate template, SpecialTokens specialTokens) {
    this.template = template;
    this.specialTokens = specialTokens;
  }

  /** True when the folder has a chat template (the file, or a {@code chat_template} in the config). */
  public static boolean exists(Path modelDir) {
    if (Files.isRegularFile(modelDir.resolve(TEMPLATE_FILE))) {
      return true;
    }
    Map<String, Object> config = config(modelDir);
    return config != null && config.get("chat_template") != null;
  }

  /** {@link #load(Path, Path, Clock)} with the system clock. */
  public static ModelChatTemplate load(Path modelDir, Path overrideFile) {
    return load(modelDir, overrideFile, Clock.systemDefaultZone());
  }

  /**
   * Loads and parses the template of {@code modelDir} (or {@code overrideFile} when not null).
   *
   * @param modelDir the model folder; may be null with an override file (then no special tokens)
   * @param clock what {@code strftime_now} reads
   * @throws IllegalArgumentException when there is no template, or a file is unreadable or malformed;
   *     the message names the file
   * @throws ChatTemplateException when the template does not parse
   */
  public static ModelChatTemplate load(Path modelDir, Path overrideFile, Clock clock) {
    if (modelDir == null && overrideFile == null) {
      throw new IllegalArgumentException("no chat template: no model folder and no template file");
    }
    Map<String, Object> config = modelDir == null ? null : config(modelDir);
    Path configFile = modelDir == null ? null : modelDir.resolve(CONFIG_FILE);
    SpecialTokens specials;
    try {
      specials = config == null ? SpecialTokens.none() : SpecialTokens.fromConfig(config);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(configFile + ": " + e.getMessage(), e);
    }
    String source;
    String origin;
    if (overrideFile != null) {
      source = read(overrideFile);
      origin = overrideFile.toString();
    } else if (modelDir != null && Files.isRegularFile(modelDir.resolve(TEMPLATE_FILE))) {
      origin = modelDir.resolve(TEMPLATE_FILE).toString();
      source = read(modelDir.resolve(TEMPLATE_FILE));
    } else {
      origin = configFile + " (chat_template)";
      source = fromConfig(config, configFile);
    }
    return new ModelChatTemplate(ChatTemplate.compile(source, origin, clock), specials);
  }

  private static String fromConfig(Map<String, Object> config, Path configFile) {
    Object value = config == null ? null : config.get("chat_template");
    if (value == null) {
      throw new IllegalArgumentException("no chat template: " + configFile + " has no \"chat_template\" and there is no "
          + TEMPLATE_FILE + " beside it (set chat_template_file, or chat_template=none)");
    }
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof List<?> named) {
      List<String> names = new ArrayList<>();
      for (Object o : named) {
        if (!(o instanceof Map<?, ?> m) || !(m.get("name") instanceof String name) || !(m.get("template") instanceof String t)) {
          throw new IllegalArgumentException(configFile + ": chat_template list items must be {\"name\": ..., \"template\": ...}, not " + o);
        }
        if (name.equals("default")) {
          return t;
        }
        names.add(name);
      }
      throw new IllegalArgumentException(configFile + ": chat_template has named templates " + names
          + " but none is \"default\" (set chat_template_file to the one to use)");
    }
    throw new IllegalArgumentException(configFile + ": chat_template must be a string or a list of named templates");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> config(Path modelDir) {
    Path file = modelDir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    Object parsed;
    try {
      parsed = JsonValues.parse(read(file));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    if (!(parsed instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(file + ": expected a JSON object");
    }
    return (Map<String, Object>) parsed;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Renders {@code messages}. Variables, as transformers sets them: the special tokens, then
   * {@code messages}, {@code tools} and {@code documents} (from kwargs, else None),
   * {@code add_generation_prompt}, then every other kwarg (which may shadow a special token).
   *
   * @param messages the conversation: maps with at least {@code role} and {@code content}
   * @param kwargs extra template variables ({@code enable_thinking}, {@code date_string}, {@code tools} ...)
   * @throws ChatTemplateException when the template raises or fails for this conversation
   */
  public String apply(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> kwargs) {
    Map<String, Object> variables = new LinkedHashMap<>(specialTokens.values());
    variables.put("messages", messages);
    variables.put("tools", kwargs.get("tools"));
    variables.put("documents", kwargs.get("documents"));
    variables.put("add_generation_prompt", addGenerationPrompt);
    for (Map.Entry<String, ?> e : kwargs.entrySet()) {
      if (RESERVED.contains(e.getKey())) {
        throw new IllegalArgumentException("chat_template_kwargs cannot set '" + e.getKey() + "'");
      }
      variables.put(e.getKey(), e.getValue());
    }
    return template.render(variables);
  }

  /** The parsed template. */
  public ChatTemplate template() {
    return template;
  }

  /** The special tokens passed to every render. */
  public SpecialTokens specialTokens() {
    return specialTokens;
  }
}
