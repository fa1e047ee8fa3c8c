package dev.sparkgen.job.chat;

import dev.sparkgen.model.chat.ChatTemplateException;
import dev.sparkgen.model.chat.Conversation;
import dev.sparkgen.model.chat.ModelChatTemplate;
import dev.sparkgen.model.chat.ReasoningSplit;
import dev.sparkgen.model.chat.SpecialTokens;
import dev.sparkgen.model.chat.ChatTemplate;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Per row, on the executors: the row's conversation (its messages column, or its plain prompt
 * wrapped with the system prompt), rendered with the chat template and tokenised without special
 * tokens (the template writes BOS and turn markers itself, as transformers'
 * {@code apply_chat_template(tokenize=True)} does). The template travels as its source text and is
 * parsed once per executor JVM.
 *
 * @param settings the chat keys
 * @param messagesIndex the messages column's index, -1 when the input has none
 * @param messagesType that column's type: an array of structs, or a string of JSON
 * @param template the template's source, null when no row is rendered (plain prompts only)
 * @param origin where the template came from, for messages
 * @param specialTokens the special tokens the template is rendered with
 * @param templateKey sha256 of the template and special tokens: the per-JVM cache key
 */
public record ChatPrompts(ChatSettings settings, int messagesIndex, DataType messagesType, String template, String origin,
    Map<String, Object> specialTokens, String templateKey) implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Map<String, ModelChatTemplate> TEMPLATES = new ConcurrentHashMap<>();

  /** A row's prompt made ready: the rendered text (or the plain prompt's text), its ids, and whether it opens a reasoning block. */
  public record Prompt(String text, int[] ids, boolean opensReasoning) {}

  /** Chat prompts for these settings; {@code template} null when no row is rendered. */
  public static ChatPrompts of(ChatSettings settings, int messagesIndex, DataType messagesType, String template,
      String origin, SpecialTokens specialTokens) {
    Map<String, Object> specials = new LinkedHashMap<>(specialTokens.values());
    return new ChatPrompts(settings, messagesIndex, messagesType, template, origin, specials,
        template == null ? null : key(template, specials));
  }

  /** True when the messages column is JSON text. */
  public boolean messagesAsJson() {
    return DataTypes.StringType.equals(messagesType);
  }

  /** Whether this row is rendered: it has a conversation, or a prompt to wrap with the system prompt. */
  public boolean renders(Row row, int textIndex) {
    if (template == null) {
      return false;
    }
    if (messagesIndex >= 0 && !row.isNullAt(messagesIndex)) {
      return true;
    }
    return settings.systemPrompt() != null && textIndex >= 0 && !row.isNullAt(textIndex);
  }

  /**
   * Renders and tokenises a row for which {@link #renders} is true.
   *
   * @throws IllegalArgumentException with the message for the row's {@code error}: a bad
   *     conversation, a template that raises, text the tokenizer rejects
   */
  public Prompt prepare(Row row, int textIndex, Tokenizer tokenizer) {
    Conversation conversation = conversation(row, textIndex);
    String text;
    try {
      text = parsed().apply(conversation.messages(), settings.addGenerationPrompt(), settings.chatTemplateKwargs());
    } catch (ChatTemplateException e) {
      throw new IllegalArgumentException((e.raisedByTemplate() ? "the chat template refused the conversation: "
          : "cannot render the chat template: ") + e.getMessage(), e);
    }
    if (text.isEmpty()) {
      throw new IllegalArgumentException("the chat template rendered an empty prompt");
    }
    int[] ids;
    try {
      ids = tokenizer.encode(text); // no special tokens added
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot tokenise the rendered prompt: " + e.getMessage(), e);
    }
    return new Prompt(text, ids, ReasoningSplit.opensReasoning(text));
  }

  private Conversation conversation(Row row, int textIndex) {
    String column = settings.messagesColumn();
    if (messagesIndex >= 0 && !row.isNullAt(messagesIndex)) {
      try {
        return messagesAsJson() ? Conversation.fromJson(row.getString(messagesIndex))
            : Conversation.of(toJava(row.get(messagesIndex), messagesType)); // rows may come without a schema
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(column + ": " + e.getMessage(), e);
      }
    }
    String prompt = row.getString(textIndex);
    if (prompt.isEmpty()) {
      throw new IllegalArgumentException("the prompt is empty");
    }
    return Conversation.ofPrompt(settings.systemPrompt(), prompt);
  }

  /** A Spark value as the plain Java value a template reads: structs as maps, arrays as lists. */
  static Object toJava(Object value, DataType type) {
    if (value == null) {
      return null;
    }
    if (type instanceof StructType struct) {
      Row r = (Row) value;
      Map<String, Object> m = new LinkedHashMap<>();
      StructField[] fields = struct.fields();
      for (int i = 0; i < fields.length; i++) {
        m.put(fields[i].name(), toJava(r.get(i), fields[i].dataType()));
      }
      return m;
    }
    if (type instanceof ArrayType array) {
      List<Object> out = new ArrayList<>();
      Iterable<?> items = value instanceof scala.collection.Iterable<?> s
          ? scala.jdk.javaapi.CollectionConverters.asJava(s) : (Iterable<?>) value;
      for (Object item : items) {
        out.add(toJava(item, array.elementType()));
      }
      return out;
    }
    if (type instanceof MapType map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      Map<?, ?> in = value instanceof scala.collection.Map<?, ?> s ? scala.jdk.javaapi.CollectionConverters.asJava(s) : (Map<?, ?>) value;
      in.forEach((k, v) -> out.put(toJava(k, map.keyType()), toJava(v, map.valueType())));
      return out;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue(); // a template sees Python ints
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    return value;
  }

  /** Splits generated text into reasoning and answer when reasoning=split (null otherwise). */
  public static ReasoningSplit split(ChatSettings settings, String generated, boolean opensReasoning) {
    if (settings.reasoning() != ChatSettings.Reasoning.SPLIT || generated == null) {
      return null;
    }
    return ReasoningSplit.of(generated, opensReasoning);
  }

  private ModelChatTemplate parsed() {
    return TEMPLATES.computeIfAbsent(templateKey, k -> new ModelChatTemplate(ChatTemplate.compile(template, origin),
        new SpecialTokens(specialTokens)));
  }

  private static String key(String template, Map<String, Object> specials) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(template.getBytes(StandardCharsets.UTF_8));
      d.update(specials.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
