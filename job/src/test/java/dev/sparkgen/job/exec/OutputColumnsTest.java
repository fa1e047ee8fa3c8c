package dev.sparkgen.job.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.chat.ChatSettings;
import dev.sparkgen.model.generate.FinishReason;
import dev.sparkgen.model.generate.Sequence;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The schema and the rows come from one place: every value lands under its own column name. */
class OutputColumnsTest {
  private static final StructType INPUT = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);

  private static ChatSettings chat(boolean outputPrompt, ChatSettings.Reasoning reasoning) {
    return new ChatSettings("messages", true, false, ChatSettings.Mode.AUTO, null, null, null, Map.of(), true, reasoning,
        outputPrompt);
  }

  @Test
  void sequenceRowValuesSitUnderTheirColumnNamesWithEveryChatColumn() {
    OutputColumns columns = new OutputColumns(chat(true, ChatSettings.Reasoning.SPLIT));
    StructType schema = columns.schema(INPUT);
    Sequence s = new Sequence(2, new int[] {5, 6}, "raw", FinishReason.EOS, -1.5, new float[] {-1f, -0.5f}, null);
    Row row = columns.sequenceRow(RowFactory.create(7L, "hi"), s, "answer", 3, "<rendered>", "thoughts", null);

    assertEquals(schema.size(), row.length());
    assertEquals(7L, row.get(schema.fieldIndex("id")));
    assertEquals(2, row.get(schema.fieldIndex(OutputColumns.SAMPLE_INDEX)));
    assertArrayEquals(new int[] {5, 6}, (int[]) row.get(schema.fieldIndex(OutputColumns.GENERATED_TOKEN_IDS)));
    assertEquals("answer", row.get(schema.fieldIndex(OutputColumns.GENERATED_TEXT)));
    assertEquals(3, row.get(schema.fieldIndex(OutputColumns.NUM_PROMPT_TOKENS)));
    assertEquals(2, row.get(schema.fieldIndex(OutputColumns.NUM_GENERATED_TOKENS)));
    assertEquals("eos", row.get(schema.fieldIndex(OutputColumns.FINISH_REASON)));
    assertEquals(-1.5, row.get(schema.fieldIndex(OutputColumns.CUMULATIVE_LOGPROB)));
    assertEquals("<rendered>", row.get(schema.fieldIndex(OutputColumns.PROMPT_TEXT)));
    assertEquals("thoughts", row.get(schema.fieldIndex(OutputColumns.REASONING)));
    assertNull(row.get(schema.fieldIndex(OutputColumns.ERROR)));
  }

  @Test
  void errorRowHasOnlyTheErrorAndTheSampleIndexAndNoChatColumnsByDefault() {
    OutputColumns columns = new OutputColumns(chat(false, ChatSettings.Reasoning.KEEP));
    StructType schema = columns.schema(INPUT);
    Row row = columns.errorRow(RowFactory.create(7L, "hi"), 1, "bad row", null);
    assertEquals(INPUT.size() + OutputColumns.FIELDS.size(), schema.size());
    assertEquals(schema.size(), row.length());
    assertEquals(1, row.get(schema.fieldIndex(OutputColumns.SAMPLE_INDEX)));
    assertEquals("bad row", row.get(schema.fieldIndex(OutputColumns.ERROR)));
    assertNull(row.get(schema.fieldIndex(OutputColumns.GENERATED_TEXT)));
  }

  @Test
  void anInputColumnNamedLikeAChatColumnIsRefusedByName() {
    OutputColumns columns = new OutputColumns(chat(false, ChatSettings.Reasoning.SPLIT));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> columns.schema(INPUT.add("reasoning", DataTypes.StringType)));
    assertTrue(e.getMessage().startsWith("input column 'reasoning' clashes"), e.getMessage());
  }
}
