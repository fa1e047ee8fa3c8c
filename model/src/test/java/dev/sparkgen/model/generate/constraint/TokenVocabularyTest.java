package dev.sparkgen.model.generate.constraint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /** For random id sequences whose bytes are valid UTF-8: decode(ids) equals the bytes' text (after the strip rule). */
  private static int agreeWithDecode(Path file, int sequences, long seed) {
    TokenVocabulary v = TokenVocabulary.load(file);
    Random r = new Random(seed);
    int checked = 0;
    try (Tokenizer t = Tokenizer.load(file)) {
      for (int i = 0; i < sequences; i++) {
        int[] ids = new int[1 + r.nextInt(5)];
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int k = 0; k < ids.length; k++) {
          do {
            ids[k] = r.nextInt(v.size());
          } while (v.bytes(ids[k]) == null);
          bytes.writeBytes(k == 0 ? v.firstBytes(ids[k]) : v.bytes(ids[k]));
        }
        String text = strictUtf8(bytes.toByteArray());
        if (text == null) {
          continue; // ends or starts mid-character: decode would show U+FFFD
        }
        assertEquals(text, t.decode(ids, true), () -> "ids " + java.util.Arrays.toString(ids));
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
    assertTrue(agreeWithDecode(TestTokenizers.GPT2, 3000, 1) > 2000);
    TokenVocabulary v = TokenVocabulary.load(TestTokenizers.GPT2);
    assertEquals(50257, v.size());
    assertNull(v.bytes(50256), "<|endoftext|> is special: no bytes");
    assertArrayEquals(" the".getBytes(StandardCharsets.UTF_8), v.bytes(262), "Ġthe");
    assertArrayEquals(new byte[] {(byte) 0xE4}, v.bytes(160), "ä is the byte-level token of 0xE4 alone");
    assertArrayEquals(v.bytes(262), v.firstBytes(262), "byte-level decoding keeps a first space");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void sentencePieceByteFallbackAgreesWithDecode(boolean metaspaceDecoder) {
    Path file = TestTokenizers.sentencePiece(dir, metaspaceDecoder);
    assertTrue(agreeWithDecode(file, 3000, 2) > 500);
    TokenVocabulary v = TokenVocabulary.load(file);
    assertTrue(v.firstTokenDiffers());
    assertArrayEquals("yes".getBytes(StandardCharsets.UTF_8), v.firstBytes(260), "▁yes first");
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
