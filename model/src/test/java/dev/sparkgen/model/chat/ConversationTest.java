package dev.sparkgen.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Conversations are checked before rendering, with messages that say which message is wrong. */
class ConversationTest {
  private static String error(String json) {
    return assertThrows(IllegalArgumentException.class, () -> Conversation.fromJson(json)).getMessage();
  }

  @Test
  void badConversationsNameTheMessage() {
    assertTrue(error("[]").contains("empty"));
    assertTrue(error("{\"role\": \"user\"}").contains("must be a list"));
    assertTrue(error("[{\"role\": \"user\", \"content\": \"a\"}, {\"content\": \"b\"}]").startsWith("messages[1] has no role"));
    assertTrue(error("[{\"role\": \"bot\", \"content\": \"b\"}]").contains("unknown role 'bot'"));
    assertTrue(error("[{\"role\": \"user\"}]").contains("messages[0] (user) has no content"));
    assertTrue(error("[{\"role\": \"user\", \"content\": 5}]").contains("must be a string"));
    assertTrue(error("[{\"role\": \"user\", \"content\": \"a\"} x").startsWith("invalid JSON"));
    assertTrue(error("[\"hi\"]").contains("messages[0] must be an object"));
  }

  @Test
  void extraKeysPartsAndToolCallsPassThrough() {
    Conversation c = Conversation.fromJson("[{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"hi\"}], \"name\": \"a\"},"
        + " {\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"function\": {\"name\": \"f\", \"arguments\": {}}}]}]");
    assertEquals("a", c.messages().get(0).get("name"));
    assertEquals(List.of(Map.of("type", "text", "text", "hi")), c.messages().get(0).get("content"));
  }

  @Test
  void aPromptWithASystemPrompt() {
    assertEquals(List.of(Map.of("role", "system", "content", "Be brief."), Map.of("role", "user", "content", "Hi")),
        Conversation.ofPrompt("Be brief.", "Hi").messages());
    assertEquals(1, Conversation.ofPrompt(null, "Hi").messages().size());
  }
}
