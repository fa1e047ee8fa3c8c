package dev.sparkgen.job.exec;

import dev.sparkgen.job.chat.ChatPrompts;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * Turns an input row into token ids: the ids column where it is set, else the text column through
 * the tokenizer. Bad rows (no prompt, empty prompt, ids outside the vocabulary, text the tokenizer
 * rejects, a prompt with no room left to generate) get an error message instead of failing the task.
 *
 * <p>A prompt fits a model with context C when it has at most C - 1 tokens: room for at least one
 * new token. A longer prompt is an error, or, with {@code keepEnd} (truncation=left), keeps its
 * last C - 1 tokens.
 *
 * @param idsIndex index of the token-id column, -1 if absent
 * @param textIndex index of the text column, -1 if absent
 * <p>The row's sampling key: the hash of its id ({@link RowKey#of(Object)}) where the id column
 * has a value, else its position key (the last column, {@code io.RowPositions}: file and row
 * index), else (no positions: decoding that draws nothing) the hash of its prompt.
 *
 * @param idIndex index of the id column, -1 if absent
 * @param keepEnd truncation=left: cut a prompt that does not fit to its last C - 1 tokens
 * @param positionIndex index of the position-key column (the row's last), -1 if absent; it is
 *     dropped from the prepared row
 * @param addSpecialTokens tokenise text with the tokenizer's post-processor (HF {@code tokenizer(text)})
 * @param chat conversations and chat templates ({@link ChatPrompts}); a row it renders skips the
 *     plain-prompt path, and is tokenised without added special tokens whatever addSpecialTokens says
 */
public record PromptPreparer(int idsIndex, int textIndex, int idIndex, String idsColumn, String textColumn,
    String idColumn, boolean keepEnd, int positionIndex, boolean addSpecialTokens, ChatPrompts chat)
    implements Serializable {
  /** The column in which Spark's JSON reader keeps a line that does not parse (its default columnNameOfCorruptRecord). */
  public static final String CORRUPT_RECORD = "_corrupt_record";

  /** Prepares one row for a model with this vocabulary and context. */
  public PreparedPrompt prepare(Row input, Tokenizer tokenizer, int vocabSize, int maxPositions) {
    Row row = positionIndex < 0 ? input : withoutLast(input);
    int[] ids;
    String text = null;
    boolean opensReasoning = false;
    if (chat.renders(row, textIndex)) {
      if (tokenizer == null) {
        return failed(row, "a conversation needs a tokenizer (set 'tokenizer')");
      }
      try {
        ChatPrompts.Prompt p = chat.prepare(row, textIndex, tokenizer);
        ids = p.ids();
        text = p.text();
        opensReasoning = p.opensReasoning();
      } catch (IllegalArgumentException e) {
        return failed(row, e.getMessage());
      }
      String outside = outsideVocabulary(ids, vocabSize);
      if (outside != null) {
        return failed(row, outside, text);
      }
    } else if (idsIndex >= 0 && !row.isNullAt(idsIndex)) {
      List<Object> list = row.getList(idsIndex);
      ids = new int[list.size()];
      for (int i = 0; i < ids.length; i++) {
        Object v = list.get(i);
        if (v == null) {
          return failed(row, idsColumn + "[" + i + "] is null");
        }
        long id = ((Number) v).longValue(); // a long id is checked whole, not wrapped into the int range
        if (id < 0 || id >= vocabSize) {
          return failed(row, "token id " + id + " at position " + i + " is outside the vocabulary [0, " + vocabSize + ")");
        }
        ids[i] = (int) id;
      }
    } else if (textIndex >= 0 && !row.isNullAt(textIndex)) {
      text = row.getString(textIndex);
      if (text.isEmpty()) {
        return failed(row, textColumn + " is empty");
      }
      if (tokenizer == null) {
        return failed(row, "a text prompt needs a tokenizer (set 'tokenizer')");
      }
      try {
        ids = tokenizer.encode(text, addSpecialTokens);
      } catch (RuntimeException e) {
        return failed(row, "cannot tokenise " + textColumn + ": " + e.getMessage());
      }
      String outside = outsideVocabulary(ids, vocabSize);
      if (outside != null) {
        return failed(row, outside, text);
      }
    } else {
      String malformed = malformedLine(input); // the input row: it has the schema (the position column aside)
      if (malformed != null) {
        return failed(row, malformed);
      }
      java.util.List<String> columns = new java.util.ArrayList<>();
      if (chat.messagesIndex() >= 0) {
        columns.add(chat.settings().messagesColumn());
      }
      if (idsIndex >= 0) {
        columns.add(idsColumn);
      }
      if (textIndex >= 0) {
        columns.add(textColumn);
      }
      return failed(row, "no prompt: " + String.join(" and ", columns) + " null");
    }
    if (ids.length == 0) {
      return failed(row, "the prompt has no tokens");
    }
    long key = idIndex >= 0 && !row.isNullAt(idIndex) ? RowKey.of(row.get(idIndex))
        : positionIndex >= 0 ? input.getLong(positionIndex)
        : text != null ? RowKey.of(text) : RowKey.of(ids);
    int fits = maxPositions - 1;
    if (ids.length > fits) {
      if (!keepEnd) {
        return failed(row, "the prompt has " + ids.length + " tokens; the model's context is " + maxPositions
            + " positions, so at most " + fits + " fit with room to generate (truncation=left keeps the last " + fits + ")",
            text); // the text kept for prompt_text: what was too long
      }
      ids = Arrays.copyOfRange(ids, ids.length - fits, ids.length); // the key stays that of the whole prompt
    }
    return new PreparedPrompt(row, key, ids, null, text, opensReasoning);
  }

  /**
   * Spark's JSON reader keeps a line that does not parse in {@code _corrupt_record} (its default
   * columnNameOfCorruptRecord) and nulls the other columns: say so rather than "no prompt".
   */
  private static String malformedLine(Row row) {
    if (row.schema() == null || !Arrays.asList(row.schema().fieldNames()).contains(CORRUPT_RECORD)) {
      return null;
    }
    int at = row.fieldIndex(CORRUPT_RECORD);
    return row.isNullAt(at) ? null : "the input line is not a JSON object (kept in " + CORRUPT_RECORD + ")";
  }

  private static String outsideVocabulary(int[] ids, int vocabSize) {
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocabSize) {
        return "the tokenizer gave token id " + ids[i] + " at position " + i + ", outside the model's vocabulary [0, "
            + vocabSize + ")";
      }
    }
    return null;
  }

  /** How messages name a row: its id, else its prompt (shortened). */
  public String name(Row row) {
    if (idIndex >= 0 && !row.isNullAt(idIndex)) {
      return idColumn + "=" + row.get(idIndex);
    }
    int messages = chat.messagesIndex();
    Object prompt = messages >= 0 && !row.isNullAt(messages) ? row.get(messages)
        : idsIndex >= 0 && !row.isNullAt(idsIndex) ? row.getList(idsIndex)
        : textIndex >= 0 && !row.isNullAt(textIndex) ? "'" + row.getString(textIndex) + "'" : "null";
    String s = String.valueOf(prompt);
    return "the row without " + idColumn + " whose prompt is " + (s.length() > 60 ? s.substring(0, 60) + "..." : s);
  }

  private static Row withoutLast(Row row) {
    Object[] values = new Object[row.length() - 1];
    for (int i = 0; i < values.length; i++) {
      values[i] = row.get(i);
    }
    return org.apache.spark.sql.RowFactory.create(values);
  }

  private static PreparedPrompt failed(Row row, String error) {
    return failed(row, error, null);
  }

  /** A failed row that was rendered or tokenised from {@code text} (kept for output_prompt). */
  private static PreparedPrompt failed(Row row, String error, String text) {
    return new PreparedPrompt(row, 0, null, error, text, false);
  }
}
