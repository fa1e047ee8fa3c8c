package dev.sparkgen.model.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry covers every setting once, and text, values, copies and Java serialisation agree. */
class GenerationKeyTest {
  private static final GenerationConfig CHANGED = GenerationConfig.fromMap(Map.ofEntries(
      Map.entry("max_new_tokens", "7"), Map.entry("min_new_tokens", "2"), Map.entry("do_sample", "true"),
      Map.entry("temperature", "0.7"), Map.entry("top_k", "5"), Map.entry("top_p", "0.9"), Map.entry("min_p", "0.05"),
      Map.entry("repetition_penalty", "1.2"), Map.entry("no_repeat_ngram_size", "3"), Map.entry("length_penalty", "0.5"),
      Map.entry("early_stopping", "never"), Map.entry("num_return_sequences", "3"),
      Map.entry("output_logprobs", "true"), Map.entry("eos_token_id", "2,5"), Map.entry("pad_token_id", "0"),
      Map.entry("stop", "[\"\\n\\n\", \"###\"]"), Map.entry("seed", "42")), GenerationConfig.defaults());

  @Test
  void everyRecordComponentHasExactlyOneKeyInTheRecordsOrder() {
    RecordComponent[] rc = GenerationConfig.class.getRecordComponents();
    assertEquals(rc.length, GenerationKey.values().length);
    for (int i = 0; i < rc.length; i++) {
      String snake = rc[i].getName().replaceAll("([A-Z])", "_$1").toLowerCase();
      assertEquals(snake, GenerationKey.values()[i].key());
    }
  }

  @Test
  void textRoundTripsEveryKeyAndEveryKeyDiffersFromTheDefault() {
    assertEquals(CHANGED, GenerationConfig.fromMap(CHANGED.toMap(), GenerationConfig.defaults()));
    for (GenerationKey k : GenerationKey.values()) {
      if (k != GenerationKey.NUM_BEAMS) { // num_beams must stay 1 when sampling
        assertNotEquals(k.text(GenerationConfig.defaults()), k.text(CHANGED), k.key());
      }
    }
    assertEquals("2,5", CHANGED.toMap().get("eos_token_id"));
    assertEquals("[\"\\n\\n\",\"###\"]", CHANGED.toMap().get("stop"));
    assertEquals("never", CHANGED.toMap().get("early_stopping"));
  }

  @Test
  void valuesAreTypedForJson() {
    Map<String, Object> v = CHANGED.toValues();
    assertEquals(7, v.get("max_new_tokens"));
    assertEquals(0.9, v.get("top_p"));
    assertEquals(List.of(2, 5), v.get("eos_token_id"));
    assertEquals("never", v.get("early_stopping"));
    assertEquals(42L, v.get("seed"));
    assertEquals(null, GenerationConfig.defaults().toValues().get("pad_token_id"));
  }

  @Test
  void aNamedCopyChangesOnlyItsValueAndStillValidates() {
    GenerationConfig copy = CHANGED.toBuilder().temperature(1.5).build();
    assertEquals(1.5, copy.temperature());
    assertEquals(CHANGED, copy.toBuilder().temperature(0.7).build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CHANGED.toBuilder().topP(0).build());
    assertTrue(e.getMessage().contains("top_p=0.0"), e.getMessage());
  }

  @Test
  void theConfigSerialisesAsItIs() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(CHANGED);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(CHANGED, in.readObject());
    }
  }

  @Test
  void anUnknownKeyIsRefusedListingTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GenerationConfig.fromMap(Map.of("top_pp", "0.9"), GenerationConfig.defaults()));
    assertTrue(e.getMessage().startsWith("unknown generation setting top_pp=0.9 (known: max_new_tokens,"), e.getMessage());
  }
}
