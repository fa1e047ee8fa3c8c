package dev.sparkgen.model.generate.constraint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.tokenizer.TestTokenizers;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Token bytes read from tokenizer.json agree with what the tokenizer's own decode gives. */
class TokenVocabularyTest {
  @TempDir
  static Path dir;

  /**
   * For random id sequences whose bytes are valid UTF-8, after a prompt: the continuation's text
   * (decode(prompt + ids) minus the decoded prompt, as generated_text is made) equals the bytes' text.
   */
  private static int agreeWithDecode(Path file, int[] prompt, int sequences, long seed) {
    TokenVocabulary v = TokenVocabulary.load(file);
    Random r = new Random(seed);
    int checked = 0;
    try (Tokenizer t = Tokenizer.load(file)) {
      int promptChars = t.decode(prompt, true).length();
      for (int i = 0; i < sequences; i++) {
        int[] ids = new int[1 + r.nextInt(5)];
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int k = 0; k < ids.length; k++) {
          do {
            ids[k] = r.nextInt(v.size());
          } while (v.bytes(ids[k]) == null);
          bytes.writeBytes(v.bytes(ids[k]));
        }
        String text = strictUtf8(bytes.toByteArray());
        if (text == null) {
          continue; // ends or starts mid-character: decode would show U+FFFD
        }
        int[] all = java.util.Arrays.copyOf(prompt, prompt.length + ids.length);
        System.arraycopy(ids, 0, all, prompt.length, ids.length);
        assertEquals(text, t.decode(all, true).substring(promptChars), () -> "ids " + java.util.Arrays.toString(ids));
        checked++;
      }
    }
    return checked;
  }

  static String strictUtf8(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  @Test
  void gpt2BytesAgreeWithDecode() {
    assertTrue(agreeWithDecode(TestTokenizers.GPT2, new int[] {15496}, 3000, 1) > 2000); // "Hello"
    TokenVocabulary v = TokenVocabulary.load(TestTokenizers.GPT2);
    assertEquals(50257, v.size());
    assertNull(v.bytes(50256), "<|endoftext|> is special: no bytes");
    assertArrayEquals(" the".getBytes(StandardCharsets.UTF_8), v.bytes(262), "Ġthe");
    assertArrayEquals(new byte[] {(byte) 0xE4}, v.bytes(160), "ä is the byte-level token of 0xE4 alone");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void sentencePieceByteFallbackAgreesWithDecode(boolean metaspaceDecoder) {
    Path file = TestTokenizers.sentencePiece(dir, metaspaceDecoder);
    int aWithSpace = TestTokenizers.FIRST_PIECE + TestTokenizers.PIECES.indexOf("\u2581a");
    assertTrue(agreeWithDecode(file, new int[] {aWithSpace}, 3000, 2) > 500); // the prompt "▁a" decodes to "a"
    TokenVocabulary v = TokenVocabulary.load(file);
    byte[] newline = metaspaceDecoder ? "<0x0A>".getBytes(StandardCharsets.UTF_8) : new byte[] {0x0A};
    assertArrayEquals(newline, v.bytes(3 + 0x0A), "<0x0A>: a byte with ByteFallback, text for Metaspace alone");
    assertArrayEquals(" yes".getBytes(StandardCharsets.UTF_8), v.bytes(260), "▁yes");
    assertNull(v.bytes(2), "</s> is special");
  }

  @Test
  void aTokenizerWithoutADecoderIsRefusedNamingTheFile() throws Exception {
    Path golden = Path.of(TokenVocabularyTest.class.getResource("/golden/gpt2-tiny/tokenizer.json").toURI());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenVocabulary.load(golden));
    assertTrue(e.getMessage().contains(golden.toString()) && e.getMessage().contains("decoder"), e.getMessage());
  }
}
