package dev.sparkgen.model.generate.constraint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.tokenizer.TestTokenizers;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Token-level constraints over the real GPT-2 vocabulary (and a SentencePiece-style one) against brute force. */
class TokenConstraintTest {
  static TokenVocabulary gpt2;
  static Tokenizer tokenizer;

  @TempDir
  static Path dir;

  @BeforeAll
  static void load() {
    gpt2 = TokenVocabulary.load(TestTokenizers.GPT2);
    tokenizer = Tokenizer.load(TestTokenizers.GPT2);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  /** Every token whose bytes keep the automaton live from {@code state}, by walking each token. */
  private static List<Integer> bruteForce(TokenConstraint c, TokenVocabulary v, int state) {
    List<Integer> out = new ArrayList<>();
    for (int id = 0; id < v.size(); id++) {
      if (c.next(state, id) >= 0) {
        out.add(id);
      }
    }
    return out;
  }

  /** Random walks over allowed tokens; at each state the trie's allowed set must equal brute force. Returns finished texts' ids. */
  private static List<int[]> walks(TokenConstraint c, TokenVocabulary v, int walks, int maxSteps, long seed) {
    Random r = new Random(seed);
    List<int[]> complete = new ArrayList<>();
    for (int w = 0; w < walks; w++) {
      int state = c.start();
      List<Integer> ids = new ArrayList<>();
      for (int step = 0; step < maxSteps; step++) {
        int[] allowed = c.allowed(state).ids();
        assertEquals(bruteForce(c, v, state), boxed(allowed), "state " + state + " after " + ids);
        if (c.accepting(state) && (allowed.length == 0 || r.nextInt(4) == 0)) {
          complete.add(ids.stream().mapToInt(Integer::intValue).toArray());
          break;
        }
        assertTrue(allowed.length > 0, "a live state that is not accepting has a next token");
        int token = allowed[r.nextInt(allowed.length)];
        ids.add(token);
        state = c.next(state, token);
        assertTrue(state >= 0);
      }
    }
    return complete;
  }

  private static List<Integer> boxed(int[] a) {
    List<Integer> out = new ArrayList<>();
    for (int x : a) {
      out.add(x);
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"choice:[\"positive\", \"negative\", \"neutral\", \"中文\"]", "regex:[a-c]{2}(x|é)+[0-9]?",
      "regex:\\d{4}-\\d{2}-\\d{2}"})
  void allowedSetsEqualBruteForceAndCompleteTextsAreInTheLanguage(String setting) {
    ResponseFormat format = ResponseFormat.parse(setting);
    TokenConstraint c = gpt2.constraint(format, 0);
    List<int[]> complete = walks(c, gpt2, 12, 40, setting.hashCode());
    assertFalse(complete.isEmpty(), "some walks should finish");
    for (int[] ids : complete) {
      String text = tokenizer.decode(ids, true);
      assertTrue(c.matches(ids, 0, ids.length));
      if (format.kind() == ResponseFormat.Kind.CHOICE) {
        assertTrue(format.choices().contains(text), text);
      } else {
        assertTrue(Pattern.matches(format.body(), text), format.body() + " vs '" + text + "'");
      }
    }
  }

  @Test
  void schemaAllowedSetsEqualBruteForceAndCompleteTextsValidate() {
    String schema = "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\",\"format\":\"uuid\"},"
        + "\"n\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"maxItems\":2},\"ok\":{\"type\":\"boolean\"}},"
        + "\"required\":[\"id\",\"ok\"]}";
    TokenConstraint c = gpt2.constraint(ResponseFormat.parse("json_schema:" + schema), 1);
    SchemaValidation validator = SchemaValidation.of(schema);
    List<int[]> complete = walks(c, gpt2, 6, 120, 3);
    assertFalse(complete.isEmpty());
    for (int[] ids : complete) {
      String text = tokenizer.decode(ids, true);
      assertEquals(List.of(), validator.errors(text), text);
    }
  }

  @Test
  void tokensEndingMidCharacterAreAllowedWhenACompletionExists() {
    TokenConstraint c = gpt2.constraint(ResponseFormat.parse("choice:[\"中文\"]"), 0);
    int[] allowed = c.allowed(c.start()).ids();
    boolean partial = false;
    for (int id : allowed) {
      partial |= TokenVocabularyTest.strictUtf8(gpt2.bytes(id)) == null;
    }
    assertTrue(partial, "a token holding only part of 中's three bytes is allowed");
    assertArrayEquals(new byte[] {(byte) 0xE4}, gpt2.bytes(160));
    assertTrue(c.allowed(c.start()).contains(160), "the byte 0xE4 alone, the first of 中's E4 B8 AD");
    int mid = c.next(c.start(), 160);
    assertTrue(mid >= 0 && !c.accepting(mid));
    assertFalse(c.allowed(mid).contains(160), "E4 E4 is no UTF-8");
  }

  @Test
  void eosIsNeverAmongTheAllowedTokens() {
    TokenConstraint c = gpt2.constraint(ResponseFormat.parse("regex:a*"), 0);
    assertTrue(c.accepting(c.start()));
    assertFalse(c.allowed(c.start()).contains(50256), "eos is the processor's business, only where accepting");
  }

  @Test
  void sentencePieceTokensKeepTheirSpaceInAContinuation() {
    TokenVocabulary sp = TokenVocabulary.load(TestTokenizers.sentencePiece(dir, false));
    TokenConstraint c = sp.constraint(ResponseFormat.parse("choice:[\"yes\", \" no\"]"), 0);
    assertEquals(bruteForce(c, sp, c.start()), boxed(c.allowed(c.start()).ids()));
    int yesWithSpace = TestTokenizers.FIRST_PIECE + TestTokenizers.PIECES.indexOf("\u2581yes");
    int yes = TestTokenizers.FIRST_PIECE + TestTokenizers.PIECES.indexOf("yes");
    int noWithSpace = TestTokenizers.FIRST_PIECE + TestTokenizers.PIECES.indexOf("\u2581no");
    int prompt = TestTokenizers.FIRST_PIECE + TestTokenizers.PIECES.indexOf("\u2581a");
    assertTrue(c.accepting(c.next(c.start(), yes)));
    assertTrue(c.next(c.start(), yesWithSpace) < 0, "▁yes continues a text as ' yes'");
    assertTrue(c.accepting(c.next(c.start(), noWithSpace)));
    try (Tokenizer t = Tokenizer.load(TestTokenizers.sentencePiece(dir, false))) {
      int promptChars = t.decode(new int[] {prompt}, true).length();
      assertEquals("yes", t.decode(new int[] {prompt, yes}, true).substring(promptChars));
      assertEquals(" no", t.decode(new int[] {prompt, noWithSpace}, true).substring(promptChars));
    }
  }
}
