package dev.sparkgen.job.chat;

import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.model.chat.ChatTemplateException;
import dev.sparkgen.model.chat.ModelChatTemplate;
import dev.sparkgen.model.chat.SpecialTokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Decides on the driver, before any Spark work, whether and how rows are rendered: the messages
 * column's type, the template (chat_template_file, else the model folder's), and conflicts between
 * the keys, each refused with a message naming them.
 */
public final class ChatSetup {
  private ChatSetup() {}

  /**
   * The chat prompts for an input.
   *
   * @param modelFolder the model folder, null for model=random
   * @param input the input's schema
   * @throws ConfigException for keys that contradict each other or the input
   * @throws SetupException for a missing or broken template, or a messages column of the wrong type
   */
  public static ChatPrompts resolve(ChatSettings s, Path modelFolder, StructType input) {
    List<String> names = List.of(input.fieldNames());
    int messages = names.indexOf(s.messagesColumn());
    DataType type = messages < 0 ? null : input.fields()[messages].dataType();
    if (messages >= 0) {
      boolean json = type.equals(DataTypes.StringType);
      if (!json && !isMessageArray(type)) {
        throw new SetupException("messages_column '" + s.messagesColumn() + "' must be array<struct<role: string, content:"
            + " string>> or a JSON string, not " + type.simpleString());
      }
    }
    boolean wanted = messages >= 0 || s.systemPrompt() != null;
    if (s.chatTemplate() == ChatSettings.Mode.NONE) {
      if (messages >= 0) {
        throw new ConfigException("chat_template=none, but the input has a messages column '" + s.messagesColumn()
            + "': a conversation can only be given to the model through its chat template (use chat_template=auto,"
            + " or a prompt column)");
      }
      if (s.systemPrompt() != null) {
        throw new ConfigException("system_prompt is set but chat_template=none: a system prompt goes through the chat"
            + " template (use chat_template=auto)");
      }
    }
    if (!wanted || s.chatTemplate() == ChatSettings.Mode.NONE) {
      return ChatPrompts.of(s, messages, type, null, null, SpecialTokens.none());
    }
    Path file = s.chatTemplateFile() == null ? null : Path.of(s.chatTemplateFile());
    if (file != null && s.chatTemplateName() != null) {
      throw new ConfigException("chat_template='" + s.chatTemplateName() + "' and chat_template_file=" + file
          + " both choose the template: set one");
    }
    if (file != null && !Files.isRegularFile(file)) {
      throw new SetupException("chat_template_file " + file + ": no such file");
    }
    String why = messages >= 0 ? "the input has a messages column '" + s.messagesColumn() + "'" : "system_prompt is set";
    if (file == null && (modelFolder == null || !ModelChatTemplate.exists(modelFolder))) {
      throw new SetupException(why + ", but the model " + (modelFolder == null ? "(model=random)" : modelFolder)
          + " has no chat template (no \"chat_template\" in tokenizer_config.json, no chat_template.jinja):"
          + " set chat_template_file=PATH");
    }
    ModelChatTemplate template;
    try {
      template = ModelChatTemplate.load(modelFolder, file, s.chatTemplateName(), s.chatTemplateKwargs().get("tools") != null,
          java.time.Clock.systemDefaultZone());
    } catch (ChatTemplateException | IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new SetupException(e.getMessage(), e);
    }
    return ChatPrompts.of(s, messages, type, template.template().source(), template.template().origin(),
        template.specialTokens());
  }

  private static boolean isMessageArray(DataType type) {
    if (!(type instanceof ArrayType array) || !(array.elementType() instanceof StructType struct)) {
      return false;
    }
    List<String> fields = List.of(struct.fieldNames());
    return fields.contains("role") && fields.contains("content")
        && struct.apply("role").dataType().equals(DataTypes.StringType);
  }
}
