package dev.sparkgen.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a model's template and special tokens come from, in transformers' order. */
class ModelChatTemplateTest {
  static final List<Map<String, Object>> HI = List.of(Map.of("role", "user", "content", "Hi"));
  static final String TEMPLATE = "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}";

  private static String render(Path dir, Path override) {
    return ModelChatTemplate.load(dir, override).apply(HI, false, Map.of());
  }

  @Test
  void aStringTemplateWithAddedTokenObjects(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": " + json(TEMPLATE) + ","
        + "\"bos_token\": {\"__type\": \"AddedToken\", \"content\": \"<s>\", \"lstrip\": false},"
        + "\"eos_token\": \"</s>\", \"pad_token\": null, \"additional_special_tokens\": [{\"content\": \"<x>\"}, \"<y>\"]}");
    assertTrue(ModelChatTemplate.exists(dir));
    assertEquals("<s>[user]Hi</s>", render(dir, null));
    SpecialTokens specials = ModelChatTemplate.load(dir, null).specialTokens();
    assertEquals(List.of("<x>", "<y>"), specials.values().get("additional_special_tokens"));
    assertFalse(specials.values().containsKey("pad_token"), "null tokens are not passed");
  }

  @Test
  void aListOfNamedTemplatesUsesDefault(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"},"
        + " {\"name\": \"default\", \"template\": \"D{{ messages|length }}\"}]}");
    assertEquals("D1", render(dir, null));
  }

  @Test
  void aListWithoutDefaultIsAnErrorNamingTheChoices(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"R\"}]}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> render(dir, null));
    assertTrue(e.getMessage().contains("[rag]") && e.getMessage().contains("tokenizer_config.json"), e.getMessage());
  }

  @Test
  void aNamedTemplateIsChosenByNameAndToolUseWinsWhenToolsArePassed(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"},"
        + " {\"name\": \"default\", \"template\": \"D\"}, {\"name\": \"rag\", \"template\": \"R1\"},"
        + " {\"name\": \"rag\", \"template\": \"R2\"}]}");
    assertEquals(List.of("default", "rag", "tool_use"), ModelChatTemplate.templates(dir).names());
    assertEquals("T", renderNamed(dir, "tool_use", false));
    assertEquals("R2", renderNamed(dir, "rag", false), "a name given twice keeps its last template, as transformers' dict");
    assertEquals("D", renderNamed(dir, null, false));
    assertEquals("T", renderNamed(dir, null, true), "get_chat_template: tools passed and a tool_use template");
    assertEquals("D", renderNamed(dir, "default", true), "a name wins over the tools rule");
    assertTrue(ModelChatTemplate.load(dir, null, "rag", false, java.time.Clock.systemUTC()).template().origin()
        .endsWith("tokenizer_config.json (chat_template \"rag\")"));
  }

  @Test
  void anUnknownNameListsTheNamesThereAre(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"},"
        + " {\"name\": \"default\", \"template\": \"D\"}]}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> renderNamed(dir, "tool-use", false));
    assertEquals(dir.resolve("tokenizer_config.json") + " (chat_template) has no chat template named \"tool-use\"; its"
        + " templates are [default, tool_use]", e.getMessage());
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"S\"}");
    assertEquals("S", renderNamed(dir, "default", false), "a single template answers to default");
    e = assertThrows(IllegalArgumentException.class, () -> renderNamed(dir, "tool_use", false));
    assertEquals(dir.resolve("tokenizer_config.json") + " (chat_template) has no chat template named \"tool_use\"; it has"
        + " a single template (chat_template=auto uses it)", e.getMessage());
  }

  @Test
  void additionalChatTemplatesFilesReplaceTheConfigsTemplates(@TempDir Path dir) throws Exception {
    // transformers _from_pretrained: chat_template.jinja is "default", additional_chat_templates/<name>.jinja is
    // <name>, and any such file replaces tokenizer_config.json's chat_template altogether.
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"default\", \"template\": \"C\"},"
        + " {\"name\": \"old\", \"template\": \"O\"}], \"eos_token\": \"E\"}");
    Files.createDirectories(dir.resolve("additional_chat_templates"));
    Files.writeString(dir.resolve("additional_chat_templates/tool_use.jinja"), "tools {{ eos_token }}");
    Files.writeString(dir.resolve("additional_chat_templates/notes.txt"), "not a template");
    assertEquals(List.of("tool_use"), ModelChatTemplate.templates(dir).names());
    assertEquals("tools E", renderNamed(dir, "tool_use", false));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> renderNamed(dir, null, false));
    assertTrue(e.getMessage().contains("[tool_use] but none is \"default\""), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> renderNamed(dir, "old", false));
    assertTrue(e.getMessage().endsWith("has no chat template named \"old\"; its templates are [tool_use]"), e.getMessage());
    Files.writeString(dir.resolve("chat_template.jinja"), "main");
    assertEquals(List.of("default", "tool_use"), ModelChatTemplate.templates(dir).names());
    assertEquals("main", renderNamed(dir, null, false));
    assertEquals("tools E", renderNamed(dir, null, true));
    assertTrue(ModelChatTemplate.exists(dir));
  }

  @Test
  void aTemplateFileAndANameCannotBothChoose(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"S\"}");
    Path override = dir.resolve("mine.jinja");
    Files.writeString(override, "M");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelChatTemplate.load(dir, override, "default", false, java.time.Clock.systemUTC()));
    assertTrue(e.getMessage().contains("give one"), e.getMessage());
  }

  @Test
  void chatTemplateJinjaWinsOverTheConfigAndAnOverrideFileWinsOverBoth(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"config\", \"eos_token\": \"E\"}");
    Files.writeString(dir.resolve("chat_template.jinja"), "file {{ eos_token }}\n");
    Path override = dir.resolve("mine.jinja");
    Files.writeString(override, "override\r\n");
    assertEquals("file E", render(dir, null), "one trailing newline is dropped, as jinja2 does");
    assertEquals("override", render(dir, override));
  }

  @Test
  void noTemplateIsAClearError(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"E\"}");
    assertFalse(ModelChatTemplate.exists(dir));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> render(dir, null));
    assertTrue(e.getMessage().contains("no chat template") && e.getMessage().contains("chat_template_file"), e.getMessage());
  }

  @Test
  void malformedConfigNamesTheFile(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"x\", ");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> render(dir, null));
    assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"x\", \"bos_token\": 5}");
    e = assertThrows(IllegalArgumentException.class, () -> render(dir, null));
    assertTrue(e.getMessage().contains("bos_token"), e.getMessage());
  }

  @Test
  void kwargsBecomeVariablesButCannotReplaceMessages(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"{{ greeting }} {{ tools is none }}\", \"eos_token\": \"E\"}");
    ModelChatTemplate t = ModelChatTemplate.load(dir, null);
    assertEquals("hello True", t.apply(HI, true, Map.of("greeting", "hello")));
    assertThrows(IllegalArgumentException.class, () -> t.apply(HI, true, Map.of("messages", List.of())));
  }

  private static String renderNamed(Path dir, String name, boolean tools) {
    return ModelChatTemplate.load(dir, null, name, tools, java.time.Clock.systemUTC()).apply(HI, false, Map.of());
  }

  private static String json(String s) {
    return new PyJson(null, null, false, false).dumps(s);
  }
}
