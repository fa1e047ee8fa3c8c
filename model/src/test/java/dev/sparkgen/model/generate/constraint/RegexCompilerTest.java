package dev.sparkgen.model.generate.constraint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The regex subset against java.util.regex as the oracle (patterns where both dialects agree). */
class RegexCompilerTest {
  private static final String[] ALPHABET = {"a", "b", "c", "d", "e", "x", "y", "z", "1", "2", "9", "-", "@", ".", "*",
      "+", "é", "中", "😀", "😁", " ", "\n", "_", "\"", "\\"};

  private static final String ECMA_EXTRA_SPACES = "\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF";

  private static List<String> strings(long seed, int n) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      int len = r.nextInt(7);
      for (int k = 0; k < len; k++) {
        sb.append(ALPHABET[r.nextInt(ALPHABET.length)]);
      }
      out.add(sb.toString());
    }
    return out;
  }

  private static boolean matches(ByteDfa dfa, String s) {
    return dfa.matches(s.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @ValueSource(strings = {"[a-c]+x?", "(ab|cd)*e", "a{2,3}b{1,}", "[^abc]{2}", "\\d{1,3}-\\d", "\\w+@\\w+\\.(com|org)",
      "(?:x|y)+z?", ".{0,3}é", "[😀-😁]a?", "\\u00e9+", "a|b|", "\\.\\*\\+", "[\\d\\s]+", "[-a]+", "[a-]+", "(?<n>ab)+c",
      "a+?b", "\\x41|中+", "[^\\w]*", "\\S\\S", "[.]", ".*", "^a.c$", "(a|)(b|)", "[\\\\\"]+", "\\D\\W?", "x{0}y"})
  void fullMatchAgreesWithJavaRegex(String pattern) {
    ByteDfa dfa = dfaOrNull(pattern);
    // ECMA's \s also covers Unicode spaces; java.util.regex's covers ASCII only.
    Pattern oracle = Pattern.compile(pattern.replace("\\s", "\\s" + ECMA_EXTRA_SPACES));
    List<String> samples = strings(pattern.hashCode(), 3000);
    if (dfa != null) {
      for (byte[] b : DfaSamples.of(dfa, 200, 8, 7)) {
        samples.add(new String(b, StandardCharsets.UTF_8));
      }
    }
    int positives = 0;
    for (String s : samples) {
      boolean expected = oracle.matcher(s).matches();
      assertEquals(expected, dfa != null && matches(dfa, s), () -> "/" + pattern + "/ on '" + s + "'");
      positives += expected ? 1 : 0;
    }
    assertTrue(dfa == null || positives > 0, "the samples should include matches");
  }

  private static ByteDfa dfaOrNull(String pattern) {
    try {
      return ByteDfa.of(RegexCompiler.fullMatch(pattern));
    } catch (ResponseFormatException e) {
      assertTrue(e.getMessage().contains("no text"), e.getMessage());
      return null;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ab", "^ab", "ab$", "^a[0-9]$", "é|z", "\\d\\d"})
  void searchIsJsonSchemaPatternSemantics(String pattern) {
    ByteDfa dfa = ByteDfa.of(RegexCompiler.search(pattern));
    Pattern oracle = Pattern.compile(pattern);
    for (String s : strings(pattern.hashCode() + 1, 3000)) {
      assertEquals(oracle.matcher(s).find(), matches(dfa, s), () -> "/" + pattern + "/ searched in '" + s + "'");
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "(a)\\1|backreferences",
      "(?=a)a|lookaround",
      "(?<!a)b|lookaround",
      "\\bfoo|word boundaries",
      "a^b|anchor ^",
      "a$b|anchor $",
      "a{2000}|repetition bound",
      "(?i)a|inline flags",
      "[z-a]|out of order",
      "\\p{L}|Unicode property",
      "a**|two quantifiers",
      "(ab|unclosed group",
      "ab)|unbalanced",
      "[ab|unclosed character class",
      "\\q|unknown escape",
      "*a|nothing to repeat"})
  void refusesWhatIsNotRegularOrNotSupported(String pattern, String says) {
    ResponseFormatException e = assertThrows(ResponseFormatException.class, () -> RegexCompiler.fullMatch(pattern));
    assertTrue(e.getMessage().contains(says), e.getMessage());
    assertTrue(e.getMessage().contains(pattern), "the message quotes the pattern: " + e.getMessage());
  }
}
