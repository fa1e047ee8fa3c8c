package dev.sparkgen.job.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.error.SetupException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The chat keys: defaults, values refused with the key named, and the driver's decisions about an input. */
class ChatSettingsTest {
  static final Path QWEN = Path.of("../model/src/test/resources/chat-templates/qwen2.5-instruct").toAbsolutePath().normalize();
  static final StructType PROMPTS = new StructType().add("prompt", DataTypes.StringType);
  static final StructType CONVERSATIONS = new StructType().add("messages", DataTypes.createArrayType(
      new StructType().add("content", DataTypes.StringType).add("role", DataTypes.StringType)));

  private static ChatSettings chat(String... kv) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return JobConfig.of(m).chat();
  }

  @Test
  void defaults() {
    ChatSettings s = chat();
    assertEquals("messages", s.messagesColumn());
    assertTrue(s.addGenerationPrompt());
    assertFalse(s.continueFinalMessage());
    assertEquals(ChatSettings.Mode.AUTO, s.chatTemplate());
    assertNull(s.systemPrompt());
    assertTrue(s.skipSpecialTokens());
    assertEquals(ChatSettings.Reasoning.KEEP, s.reasoning());
    assertFalse(s.outputPrompt());
    assertEquals(Map.of(), s.chatTemplateKwargs());
  }

  @Test
  void kwargsAreAJsonObjectKeptInOrderAndRoundTrip() {
    ChatSettings s = chat("chat_template_kwargs", "{\"enable_thinking\": false, \"date_string\": \"26 Jul 2024\", \"n\": 3}");
    assertEquals(List.of("enable_thinking", "date_string", "n"), List.copyOf(s.chatTemplateKwargs().keySet()));
    assertEquals(false, s.chatTemplateKwargs().get("enable_thinking"));
    assertEquals(3L, s.chatTemplateKwargs().get("n"));
    assertEquals(s, ChatSettings.from(new java.util.LinkedHashMap<>(s.asMap())));
  }

  @Test
  void badValuesNameTheKey() {
    assertTrue(assertThrows(ConfigException.class, () -> chat("chat_template_kwargs", "[1]")).getMessage()
        .startsWith("chat_template_kwargs='[1]': must be a JSON object"));
    assertTrue(assertThrows(ConfigException.class, () -> chat("chat_template_kwargs", "{enable_thinking: no}")).getMessage()
        .startsWith("chat_template_kwargs='{enable_thinking: no}': invalid JSON"));
    assertTrue(assertThrows(ConfigException.class, () -> chat("chat_template_kwargs", "{\"messages\": []}")).getMessage()
        .contains("'messages' is set by the job"));
    assertEquals("reasoning='think': must be one of keep, split",
        assertThrows(ConfigException.class, () -> chat("reasoning", "think")).getMessage());
    assertEquals("chat_template=' ': must not be empty",
        assertThrows(ConfigException.class, () -> chat("chat_template", " ")).getMessage());
    assertEquals("add_generation_prompt='yes': must be true or false",
        assertThrows(ConfigException.class, () -> chat("add_generation_prompt", "yes")).getMessage());
    ConfigException typo = assertThrows(ConfigException.class, () -> chat("system_promt", "x"));
    assertTrue(typo.getMessage().contains("did you mean 'system_prompt'"), typo.getMessage());
  }

  @Test
  void aChatTemplateNameChoosesThatTemplateOfTheModel(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"E\", \"chat_template\": ["
        + "{\"name\": \"default\", \"template\": \"D{{ messages[0].content }}\"},"
        + "{\"name\": \"tool_use\", \"template\": \"T{{ tools|length }}{{ messages[0].content }}\"}]}");
    ChatSettings named = chat("chat_template", "tool_use");
    assertEquals(ChatSettings.Mode.AUTO, named.chatTemplate());
    assertEquals("tool_use", named.chatTemplateName());
    assertEquals(named, ChatSettings.from(new java.util.LinkedHashMap<>(named.asMap())));
    assertNull(chat("chat_template", "None").chatTemplateName(), "auto and none are modes, in any case");
    assertEquals(ChatSettings.Mode.NONE, chat("chat_template", "None").chatTemplate());
    assertTrue(ChatSetup.resolve(named, dir, CONVERSATIONS).template().startsWith("T"));
    assertTrue(ChatSetup.resolve(chat(), dir, CONVERSATIONS).template().startsWith("D"));
    assertTrue(ChatSetup.resolve(chat("chat_template_kwargs", "{\"tools\": []}"), dir, CONVERSATIONS).template().startsWith("T"),
        "as transformers' get_chat_template: tools passed, no name: tool_use");
    dev.sparkgen.job.driver.ChatTemplateName.check(named, dir);
    ConfigException typo = assertThrows(ConfigException.class,
        () -> dev.sparkgen.job.driver.ChatTemplateName.check(chat("chat_template", "tool-use"), dir));
    assertEquals("chat_template='tool-use': the model " + dir + " has no chat template of that name; did you mean"
        + " 'tool_use'? (its templates: default, tool_use; or auto, none)", typo.getMessage());
    ConfigException far = assertThrows(ConfigException.class,
        () -> dev.sparkgen.job.driver.ChatTemplateName.check(chat("chat_template", "summarisation"), dir));
    assertFalse(far.getMessage().contains("did you mean"), far.getMessage());
    ConfigException both = assertThrows(ConfigException.class,
        () -> ChatSetup.resolve(chat("chat_template", "tool_use", "chat_template_file", "x.jinja"), dir, CONVERSATIONS));
    assertEquals("chat_template='tool_use' and chat_template_file=x.jinja both choose the template: set one", both.getMessage());
    SetupException single = assertThrows(SetupException.class,
        () -> ChatSetup.resolve(chat("chat_template", "rag"), QWEN, CONVERSATIONS));
    assertTrue(single.getMessage().contains("has no chat template named \"rag\"; it has a single template"), single.getMessage());
    assertThrows(ConfigException.class, () -> dev.sparkgen.job.driver.ChatTemplateName.check(chat("chat_template", "rag"), QWEN));
  }

  @Test
  void plainPromptsStayPlainUnlessASystemPromptIsSet() {
    assertNull(ChatSetup.resolve(chat(), QWEN, PROMPTS).template());
    ChatPrompts wrapped = ChatSetup.resolve(chat("system_prompt", "Be brief."), QWEN, PROMPTS);
    assertTrue(wrapped.template().contains("<|im_start|>"));
    assertEquals("<|im_end|>", wrapped.specialTokens().get("eos_token"));
  }

  @Test
  void conversationsNeedATemplateAndTheRightColumnType() {
    ChatPrompts c = ChatSetup.resolve(chat(), QWEN, CONVERSATIONS);
    assertEquals(0, c.messagesIndex());
    assertFalse(c.messagesAsJson());
    assertTrue(ChatSetup.resolve(chat(), QWEN, new StructType().add("messages", DataTypes.StringType)).messagesAsJson());
    SetupException wrongType = assertThrows(SetupException.class,
        () -> ChatSetup.resolve(chat(), QWEN, new StructType().add("messages", DataTypes.LongType)));
    assertTrue(wrongType.getMessage().contains("array<struct<role: string, content: string>> or a JSON string, not bigint"));
    SetupException noTemplate = assertThrows(SetupException.class, () -> ChatSetup.resolve(chat(), null, CONVERSATIONS));
    assertTrue(noTemplate.getMessage().contains("model=random") && noTemplate.getMessage().contains("chat_template_file"));
    ConfigException none = assertThrows(ConfigException.class,
        () -> ChatSetup.resolve(chat("chat_template", "none"), QWEN, CONVERSATIONS));
    assertTrue(none.getMessage().contains("chat_template=none"));
    SetupException missingFile = assertThrows(SetupException.class,
        () -> ChatSetup.resolve(chat("chat_template_file", "/no/such.jinja"), QWEN, CONVERSATIONS));
    assertTrue(missingFile.getMessage().contains("/no/such.jinja"));
  }
}
