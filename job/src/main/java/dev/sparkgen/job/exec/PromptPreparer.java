package dev.sparkgen.job.exec;

import dev.sparkgen.model.tokenizer.Tokenizer;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * Turns an input row into token ids: the ids column where it is set, else the text column through
 * the tokenizer. Bad rows (no prompt, empty prompt, ids outside the vocabulary, too long for the
 * context) get an error message instead of failing the task.
 *
 * @param idsIndex index of the token-id column, -1 if absent
 * @param textIndex index of the text column, -1 if absent
 * @param idIndex index of the id column, -1 if absent (then the key hashes the prompt)
 */
public record PromptPreparer(int idsIndex, int textIndex, int idIndex, String idsColumn, String textColumn)
    implements Serializable {

  /** Prepares one row for a model with this vocabulary and context. */
  public PreparedPrompt prepare(Row row, Tokenizer tokenizer, int vocabSize, int maxPositions) {
    int[] ids;
    String text = null;
    if (idsIndex >= 0 && !row.isNullAt(idsIndex)) {
      List<Object> list = row.getList(idsIndex);
      ids = new int[list.size()];
      for (int i = 0; i < ids.length; i++) {
        Object v = list.get(i);
        if (v == null) {
          return failed(row, idsColumn + "[" + i + "] is null");
        }
        ids[i] = ((Number) v).intValue();
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
        ids = tokenizer.encode(text);
      } catch (RuntimeException e) {
        return failed(row, "cannot tokenise " + textColumn + ": " + e.getMessage());
      }
    } else {
      return failed(row, "no prompt: " + (idsIndex >= 0 ? idsColumn : "") + (idsIndex >= 0 && textIndex >= 0 ? " and " : "")
          + (textIndex >= 0 ? textColumn : "") + " null");
    }
    if (ids.length == 0) {
      return failed(row, "the prompt has no tokens");
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocabSize) {
        return failed(row, "token id " + ids[i] + " at position " + i + " is outside the vocabulary [0, " + vocabSize + ")");
      }
    }
    if (ids.length >= maxPositions) {
      return failed(row, "the prompt has " + ids.length + " tokens; the model's context is " + maxPositions
          + " positions, leaving no room to generate");
    }
    long key = idIndex >= 0 && !row.isNullAt(idIndex) ? RowKey.of(row.get(idIndex))
        : text != null ? RowKey.of(text) : RowKey.of(ids);
    return new PreparedPrompt(row, key, ids, null);
  }

  private static PreparedPrompt failed(Row row, String error) {
    return new PreparedPrompt(row, 0, null, error);
  }
}
