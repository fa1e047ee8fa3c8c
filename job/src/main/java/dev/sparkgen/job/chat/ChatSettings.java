package dev.sparkgen.job.chat;

import static dev.sparkgen.job.config.parse.ValueParsers.bool;
import static dev.sparkgen.job.config.parse.ValueParsers.choice;
import static dev.sparkgen.job.config.parse.ValueParsers.nonEmpty;

import com.google.gson.GsonBuilder;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.model.chat.JsonValues;
import dev.sparkgen.model.chat.ModelChatTemplate;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The chat settings of a run (keys {@code messages_column} ... {@code output_prompt}), validated:
 * how conversations are read and rendered, and how generated text is returned.
 *
 * @param messagesColumn the conversation column: array of {role, content} structs, or JSON text
 * @param addGenerationPrompt end the rendered conversation with the assistant's turn header
 * @param continueFinalMessage render so that the model continues the final message (transformers'
 *     {@code continue_final_message}; no generation prompt then)
 * @param chatTemplate AUTO: render conversations (and wrapped prompts) with the template; NONE: never
 * @param chatTemplateName with AUTO: the model's template of that name (transformers'
 *     {@code apply_chat_template(chat_template=name)}: {@code tool_use}, {@code rag} ...); null = the
 *     model's default choice
 * @param systemPrompt null = plain prompts stay plain; else each becomes [system, user] and is rendered
 * @param chatTemplateFile null = the model's template
 * @param chatTemplateKwargs extra template variables (parsed JSON object; values String, Boolean,
 *     Long, Double, List, Map, null)
 * @param skipSpecialTokens decode generated_text without special tokens
 * @param reasoning SPLIT: the text inside {@code <think>...</think>} goes to a reasoning column
 * @param outputPrompt add a prompt_text column
 */
public record ChatSettings(String messagesColumn, boolean addGenerationPrompt, boolean continueFinalMessage,
    Mode chatTemplate, String chatTemplateName, String systemPrompt,
    String chatTemplateFile, Map<String, Object> chatTemplateKwargs, boolean skipSpecialTokens, Reasoning reasoning,
    boolean outputPrompt) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** chat_template values (any other value names a template, with AUTO). */
  public enum Mode { AUTO, NONE }

  /** reasoning values. */
  public enum Reasoning { KEEP, SPLIT }

  public ChatSettings {
    chatTemplateKwargs = Collections.unmodifiableMap(new LinkedHashMap<>(chatTemplateKwargs));
  }

  /** The settings from raw key values (every chat key present, as {@code Settings.resolve} gives them). */
  public static ChatSettings from(Map<String, String> v) {
    String system = v.get("system_prompt");
    String file = v.get("chat_template_file").trim();
    String template = nonEmpty(v, "chat_template");
    boolean mode = template.equalsIgnoreCase("auto") || template.equalsIgnoreCase("none");
    return new ChatSettings(
        nonEmpty(v, "messages_column"),
        bool(v, "add_generation_prompt"),
        bool(v, "continue_final_message"),
        mode ? choice(v, "chat_template", Mode.class) : Mode.AUTO,
        mode ? null : template,
        system.isEmpty() ? null : system,
        file.isEmpty() ? null : file,
        kwargs(v.get("chat_template_kwargs")),
        bool(v, "skip_special_tokens"),
        choice(v, "reasoning", Reasoning.class),
        bool(v, "output_prompt"));
  }

  /** The settings as key/value text, as {@link #from} reads them. */
  public Map<String, String> asMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("messages_column", messagesColumn);
    m.put("add_generation_prompt", Boolean.toString(addGenerationPrompt));
    m.put("continue_final_message", Boolean.toString(continueFinalMessage));
    m.put("chat_template", chatTemplateName != null ? chatTemplateName : chatTemplate.name().toLowerCase(Locale.ROOT));
    m.put("system_prompt", systemPrompt == null ? "" : systemPrompt);
    m.put("chat_template_file", chatTemplateFile == null ? "" : chatTemplateFile);
    m.put("chat_template_kwargs", chatTemplateKwargs.isEmpty() ? "" : json(chatTemplateKwargs));
    m.put("skip_special_tokens", Boolean.toString(skipSpecialTokens));
    m.put("reasoning", reasoning.name().toLowerCase(Locale.ROOT));
    m.put("output_prompt", Boolean.toString(outputPrompt));
    return m;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> kwargs(String text) {
    if (text == null || text.isBlank()) {
      return Map.of();
    }
    Object parsed;
    try {
      parsed = JsonValues.parse(text.trim());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("chat_template_kwargs='" + text.trim() + "': " + e.getMessage()
          + " (expected a JSON object, e.g. {\"enable_thinking\": false})");
    }
    if (!(parsed instanceof Map<?, ?>)) {
      throw new ConfigException("chat_template_kwargs='" + text.trim() + "': must be a JSON object of template variables,"
          + " e.g. {\"enable_thinking\": false}");
    }
    Map<String, Object> map = (Map<String, Object>) parsed;
    for (String reserved : ModelChatTemplate.RESERVED) {
      if (map.containsKey(reserved)) {
        throw new ConfigException("chat_template_kwargs: '" + reserved + "' is set by the job"
            + (reserved.equals("add_generation_prompt") ? " (use the add_generation_prompt key)" : " (from messages_column)"));
      }
    }
    return map;
  }

  private static String json(Map<String, Object> map) {
    return new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(map);
  }
}
