package dev.sparkgen.job.driver;

import dev.sparkgen.job.chat.ChatSettings;
import dev.sparkgen.job.config.Suggestions;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.model.chat.ModelChatTemplate;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code chat_template=NAME} checked against the model folder's named templates before any work
 * ({@link ModelChatTemplate#templates}: the {@code chat_template} list of
 * {@code tokenizer_config.json}, or {@code chat_template.jinja} plus
 * {@code additional_chat_templates/NAME.jinja}), naming the templates there are and the nearest
 * one, as unknown keys are ({@link Suggestions}).
 */
public final class ChatTemplateName {
  private ChatTemplateName() {}

  /**
   * Refuses a template name the model does not have. Nothing to check without a name, with a
   * chat_template_file (that conflict is {@code ChatSetup}'s), or without a model folder.
   *
   * @throws ConfigException naming the key, its value, the names there are and the nearest
   * @throws SetupException when the folder's templates cannot be read
   */
  public static void check(ChatSettings chat, Path modelFolder) {
    String name = chat.chatTemplateName();
    if (name == null || chat.chatTemplateFile() != null || modelFolder == null) {
      return;
    }
    List<String> names;
    try {
      names = ModelChatTemplate.templates(modelFolder).names();
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw new SetupException(e.getMessage(), e);
    }
    if (names.contains(name)) {
      return;
    }
    if (names.isEmpty()) {
      throw new ConfigException("chat_template='" + name + "': the model " + modelFolder + " has no chat template"
          + " (no \"chat_template\" in tokenizer_config.json, no chat_template.jinja, no additional_chat_templates/)");
    }
    String near = Suggestions.nearest(name, names);
    throw new ConfigException("chat_template='" + name + "': the model " + modelFolder + " has no chat template of that"
        + " name" + (near != null ? "; did you mean '" + near + "'?" : "") + " (its templates: " + String.join(", ", names)
        + "; or auto, none)");
  }
}
