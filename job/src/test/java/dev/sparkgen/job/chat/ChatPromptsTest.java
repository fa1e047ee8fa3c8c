package dev.sparkgen.job.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** A row's conversation as the template sees it, and the ids it becomes. */
class ChatPromptsTest {
  static final Path GPT2 = Path.of("../model/src/test/resources/tokenizers/gpt2/tokenizer.json").toAbsolutePath().normalize();
  static final StructType MESSAGE = new StructType().add("role", DataTypes.StringType).add("content", DataTypes.StringType)
      .add("name", DataTypes.StringType).add("scores", DataTypes.createArrayType(DataTypes.IntegerType));
  static final StructType SCHEMA = new StructType().add("messages", DataTypes.createArrayType(MESSAGE))
      .add("prompt", DataTypes.StringType);

  private static <T> scala.collection.immutable.Seq<T> seq(List<T> list) {
    return scala.jdk.javaapi.CollectionConverters.asScala(list).toSeq();
  }

  @Test
  void structFieldsBecomeMessageKeysAndIntsBecomePythonInts() {
    Row message = new GenericRowWithSchema(new Object[] {"user", "Hi", "ann", seq(List.of(1, 2))}, MESSAGE);
    Object java = ChatPrompts.toJava(seq(List.of(message)), SCHEMA.fields()[0].dataType());
    assertEquals(List.of(Map.of("role", "user", "content", "Hi", "name", "ann", "scores", List.of(1L, 2L))), java);
  }

  @Test
  void aRowIsRenderedWithTheTemplateThatSeesExtraFields() throws Exception {
    Path dir = java.nio.file.Files.createTempDirectory("chat-prompts");
    Path template = dir.resolve("t.jinja");
    java.nio.file.Files.writeString(template,
        "{% for m in messages %}<{{ m.role }}{% if m.name %} name={{ m.name }}{% endif %}>{{ m.content }}{% endfor %}"
            + "{% if add_generation_prompt %}<assistant>{% endif %}");
    ChatSettings s = JobConfig.of(Map.of("chat_template_file", template.toString())).chat();
    ChatPrompts chat = ChatSetup.resolve(s, null, SCHEMA);
    Row row = new GenericRowWithSchema(new Object[] {
        seq(List.of(new GenericRowWithSchema(new Object[] {"user", "Hi", "ann", null}, MESSAGE))), "ignored"}, SCHEMA);
    assertTrue(chat.renders(row, 1));
    try (Tokenizer tokenizer = Tokenizer.load(GPT2)) {
      ChatPrompts.Prompt p = chat.prepare(row, 1, tokenizer);
      assertEquals("<user name=ann>Hi<assistant>", p.text());
      assertEquals(List.of(p.ids().length), List.of(tokenizer.encode(p.text()).length));
      assertFalse(p.opensReasoning());
      Row empty = new GenericRowWithSchema(new Object[] {seq(List.of()), null}, SCHEMA);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> chat.prepare(empty, 1, tokenizer));
      assertTrue(e.getMessage().startsWith("messages: messages is empty"), e.getMessage());
    }
  }
}
