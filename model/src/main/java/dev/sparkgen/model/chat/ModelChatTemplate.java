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
 * <p>Where the template comes from: an override file, else the model folder's templates
 * ({@link NamedChatTemplates}: {@code chat_template.jinja} and {@code additional_chat_templates/},
 * else the {@code chat_template} of {@code tokenizer_config.json}, a string or a list of named
 * templates), of which the one asked for by name, else transformers' choice ({@code default}, or
 * {@code tool_use} when tools are passed). Special tokens always come from
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

  /**
   * True when the folder has a chat template (a template file, or a {@code chat_template} in the
   * config).
   */
  public static boolean exists(Path modelDir) {
    return !templates(modelDir).isEmpty();
  }

  /**
   * The folder's templates by name ({@link NamedChatTemplates}).
   *
   * @throws IllegalArgumentException for a malformed config, naming the file
   */
  public static NamedChatTemplates templates(Path modelDir) {
    return NamedChatTemplates.read(modelDir, config(modelDir));
  }

  /** {@link #load(Path, Path, Clock)} with the system clock. */
  public static ModelChatTemplate load(Path modelDir, Path overrideFile) {
    return load(modelDir, overrideFile, Clock.systemDefaultZone());
  }

  /** The default template of the folder, or the override file: {@link #load(Path, Path, String, boolean, Clock)} with no name. */
  public static ModelChatTemplate load(Path modelDir, Path overrideFile, Clock clock) {
    return load(modelDir, overrideFile, null, false, clock);
  }

  /**
   * Loads and parses the template of {@code modelDir} (or {@code overrideFile} when not null).
   *
   * @param modelDir the model folder; may be null with an override file (then no special tokens)
   * @param name the folder's template to use (transformers' {@code apply_chat_template(chat_template=name)}),
   *     or null for its default; not with an override file
   * @param tools whether the renders pass tools: with no name, a model's {@code tool_use} template wins
   * @param clock what {@code strftime_now} reads
   * @throws IllegalArgumentException when there is no (such) template, or a file is unreadable or
   *     malformed; the message names the file (and the template names there are)
   * @throws ChatTemplateException when the template does not parse
   */
  public static ModelChatTemplate load(Path modelDir, Path overrideFile, String name, boolean tools, Clock clock) {
    if (modelDir == null && overrideFile == null) {
      throw new IllegalArgumentException("no chat template: no model folder and no template file");
    }
    if (overrideFile != null && name != null) {
      throw new IllegalArgumentException("a chat template file (" + overrideFile + ") and a template name (\"" + name
          + "\") both choose the template: give one");
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
    } else {
      NamedChatTemplates.Source chosen = NamedChatTemplates.read(modelDir, config).select(name, tools);
      source = chosen.text();
      origin = chosen.origin();
    }
    return new ModelChatTemplate(ChatTemplate.compile(source, origin, clock), specials);
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
    return render(messages, addGenerationPrompt, kwargs);
  }

  /**
   * Renders {@code messages} so that the model continues the final message instead of starting a
   * new turn: transformers' {@code continue_final_message=True} (always with
   * {@code add_generation_prompt=False}). As transformers does, a marker is appended to the final
   * message's text (the last text part of a list content), the conversation is rendered, and the
   * text is cut where the marker landed, so whatever the template writes after a message (an
   * end-of-turn token, a newline) is dropped; if the template trimmed the marker's trailing space,
   * trailing white space before it goes too.
   *
   * @throws ChatTemplateException when the final message has no text, or the template dropped it
   *     (transformers raises the same)
   */
  public String continueFinalMessage(List<? extends Map<String, ?>> messages, Map<String, ?> kwargs) {
    if (messages.isEmpty()) {
      throw new ChatTemplateException("continue_final_message is set but there is no final message", false, null);
    }
    List<Map<String, Object>> marked = new ArrayList<>();
    for (Map<String, ?> m : messages) {
      marked.add(new LinkedHashMap<>(m));
    }
    Map<String, Object> last = marked.get(marked.size() - 1);
    Object content = last.get("content");
    String finalText;
    if (content instanceof String text) {
      finalText = text;
      last.put("content", text + CONTINUE_TAG);
    } else if (content instanceof List<?> parts) {
      List<Object> copy = new ArrayList<>(parts);
      finalText = null;
      for (int i = copy.size() - 1; i >= 0 && finalText == null; i--) {
        if (copy.get(i) instanceof Map<?, ?> part && part.get("text") instanceof String text) {
          Map<String, Object> withTag = new LinkedHashMap<>();
          part.forEach((k, v) -> withTag.put(String.valueOf(k), v));
          withTag.put("text", text + CONTINUE_TAG);
          copy.set(i, withTag);
          finalText = text;
        }
      }
      if (finalText == null) {
        throw new ChatTemplateException("continue_final_message is set but we could not find any text to continue in the"
            + " final message!", false, null);
      }
      last.put("content", copy);
    } else {
      throw new ChatTemplateException("continue_final_message is set but the final message has no \"content\" to continue!",
          false, null);
    }
    String rendered = render(marked, false, kwargs);
    String tag = CONTINUE_TAG.strip();
    if (!rendered.contains(PyStrings.strip(finalText, null)) || !rendered.contains(tag)) {
      throw new ChatTemplateException("continue_final_message is set but the final message does not appear in the chat"
          + " after applying the chat template! This can happen if the chat template deletes portions of the final"
          + " message. Final message to continue: " + PyStrings.strip(finalText, null), false, null);
    }
    int at = rendered.lastIndexOf(tag);
    return rendered.startsWith(CONTINUE_TAG, at) ? rendered.substring(0, at) : PyStrings.rstrip(rendered.substring(0, at), null);
  }

  /** transformers' marker for the end of the message to continue. */
  static final String CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG ";

  private String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> kwargs) {
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
