package dev.sparkgen.model.chat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checked list of chat messages, as a template receives them: each a map with a known
 * {@code role} and a {@code content}. Other keys ({@code tool_calls}, {@code reasoning_content},
 * {@code name} ...) pass through for templates that read them.
 *
 * <p>Content is a string, or a list of parts ({@code [{"type": "text", "text": ...}, ...]}, the
 * multimodal form some templates read); it may be null only in an assistant message that carries
 * {@code tool_calls}. Roles: {@link #ROLES}.
 *
 * @param messages the messages, unmodifiable
 */
public record Conversation(List<Map<String, Object>> messages) {
  /** Roles a message may have: the OpenAI/Hugging Face ones, plus Llama 3's {@code ipython}. */
  public static final List<String> ROLES = List.of("system", "developer", "user", "assistant", "tool", "ipython");

  public Conversation {
    messages = Collections.unmodifiableList(messages);
  }

  /**
   * Checks a parsed conversation (a list of maps, as from JSON or a Spark array of structs).
   *
   * @throws IllegalArgumentException naming the message and field: an empty list, a message that
   *     is not an object, a missing or unknown role, missing content
   */
  public static Conversation of(Object value) {
    if (!(value instanceof List<?> list)) {
      throw new IllegalArgumentException("messages must be a list of {\"role\": ..., \"content\": ...} objects, not "
          + PyValues.typeName(value));
    }
    if (list.isEmpty()) {
      throw new IllegalArgumentException("messages is empty: a conversation needs at least one message");
    }
    List<Map<String, Object>> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String where = "messages[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException(where + " must be an object with role and content, not " + PyValues.typeName(list.get(i)));
      }
      Map<String, Object> message = new LinkedHashMap<>();
      m.forEach((k, v) -> message.put(String.valueOf(k), v));
      Object role = message.get("role");
      if (!(role instanceof String r) || r.isEmpty()) {
        throw new IllegalArgumentException(where + " has no role" + (role == null ? "" : " (role is " + PyValues.repr(role) + ")"));
      }
      if (!ROLES.contains(r)) {
        throw new IllegalArgumentException(where + " has the unknown role '" + r + "' (roles: " + String.join(", ", ROLES) + ")");
      }
      Object content = message.get("content");
      boolean toolCall = r.equals("assistant") && message.get("tool_calls") != null;
      if (content == null && !toolCall) {
        throw new IllegalArgumentException(where + " (" + r + ") has no content");
      }
      if (content != null && !(content instanceof String) && !(content instanceof List<?>)
          && !(content instanceof Map<?, ?> && (r.equals("tool") || r.equals("ipython")))) {
        throw new IllegalArgumentException(where + " (" + r + ") content must be a string or a list of parts, not "
            + PyValues.typeName(content));
      }
      out.add(message);
    }
    return new Conversation(out);
  }

  /** Parses and checks a JSON conversation ({@code [{"role": "user", "content": "Hi"}]}). */
  public static Conversation fromJson(String json) {
    return of(JsonValues.parse(json));
  }

  /** An optional system message followed by one user message: a plain prompt as a conversation. */
  public static Conversation ofPrompt(String systemPrompt, String prompt) {
    List<Map<String, Object>> out = new ArrayList<>(2);
    if (systemPrompt != null) {
      out.add(Map.of("role", "system", "content", systemPrompt));
    }
    out.add(Map.of("role", "user", "content", prompt));
    return new Conversation(out);
  }
}
