package dev.sparkgen.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.model.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** DJL's Hugging Face tokenizer, loaded offline from test resources. */
class TokenizerTest {

  private static Path resource(String name) throws Exception {
    return Path.of(TokenizerTest.class.getResource(name).toURI());
  }

  @Test
  void gpt2TokenizerGivesExpectedIdsAndDecodesBackToTheText() throws Exception {
    Path dir = resource("/tokenizers/gpt2");
    int cases = 0;
    try (Tokenizer tokenizer = Tokenizer.load(dir)) {
      for (JsonElement e : JsonParser.parseString(Files.readString(dir.resolve("expected.json"))).getAsJsonArray()) {
        JsonObject c = e.getAsJsonObject();
        String text = c.get("text").getAsString();
        int[] ids = Golden.ints(c.getAsJsonArray("ids"));
        assertArrayEquals(ids, tokenizer.encode(text), text);
        assertEquals(text, tokenizer.decode(ids, true), "decode of " + text);
        cases++;
      }
    }
    assertTrue(cases >= 5, "expected.json had only " + cases + " cases");
  }

  @Test
  void goldenTokenizerDecodesIdsAndSkipsItsSpecialEosWhenAsked() throws Exception {
    // The golden tokenizer.json is a bare BPE vocabulary (token tN = id N, no merges, no decoder).
    try (Tokenizer tokenizer = Tokenizer.load(resource("/golden/gpt2-tiny/tokenizer.json"))) {
      assertEquals("t15 t3 t42", tokenizer.decode(new int[] {15, 3, 42, 63}, true));
      assertEquals("t15 t3 t42 </s>", tokenizer.decode(new int[] {15, 3, 42, 63}, false));
    }
  }

  @Test
  void specialTokensComeFromThePostProcessorAsInHuggingFaceTokenizerCall() throws Exception {
    // A Llama-style tokenizer.json: Metaspace pieces, TemplateProcessing prepends <s> = 1.
    try (Tokenizer llama = Tokenizer.load(resource("/tokenizers/llama-metaspace"))) {
      assertArrayEquals(new int[] {1, 3, 9, 27}, llama.encode("t3 t9 t27", true));
      assertArrayEquals(new int[] {3, 9, 27}, llama.encode("t3 t9 t27", false));
      assertArrayEquals(new int[] {3, 9, 27}, llama.encode("t3 t9 t27")); // the one-argument form adds nothing
      assertEquals("t3 t9 t27", llama.decode(new int[] {1, 3, 9, 27}, true));
    }
    // GPT-2's ByteLevel post-processor adds nothing: the same ids either way.
    Path dir = resource("/tokenizers/gpt2");
    try (Tokenizer gpt2 = Tokenizer.load(dir)) {
      for (JsonElement e : JsonParser.parseString(Files.readString(dir.resolve("expected.json"))).getAsJsonArray()) {
        String text = e.getAsJsonObject().get("text").getAsString();
        assertArrayEquals(gpt2.encode(text, false), gpt2.encode(text, true), text);
      }
    }
  }

  @Test
  void metaspaceDecodingDropsTheFirstSpaceOnlySoAContinuationAloneLosesIt() throws Exception {
    try (Tokenizer llama = Tokenizer.load(resource("/tokenizers/llama-metaspace"))) {
      assertEquals("t5 t7", llama.decode(new int[] {5, 7}, true)); // alone: no leading space
      assertEquals("t3 t9 t5 t7", llama.decode(new int[] {1, 3, 9, 5, 7}, true)); // after a prompt: one space
    }
  }

  @Test
  void missingFileIsNamedInTheError() {
    Path missing = Path.of("/nonexistent/model");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(missing));
    assertTrue(e.getMessage().contains("/nonexistent/model/tokenizer.json"), e.getMessage());
  }
}
