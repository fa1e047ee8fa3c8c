package dev.sparkgen.job.config.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.error.ConfigException;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Each value parser: what it accepts (trimmed, any case), and the key and value in every refusal. */
class ValueParsersTest {
  private enum Color { RED, DARK_BLUE }

  private static String refused(String value, Function<Map<String, String>, ?> parser) {
    return assertThrows(ConfigException.class, () -> parser.apply(Map.of("k", value))).getMessage();
  }

  @Test
  void boolTakesTrueOrFalseInAnyCase() {
    assertTrue(ValueParsers.bool(Map.of("k", " TRUE "), "k"));
    assertFalse(ValueParsers.bool(Map.of("k", "False"), "k"));
    assertEquals("k='yes': must be true or false", refused(" yes", v -> ValueParsers.bool(v, "k")));
    assertEquals("k='': must be true or false", refused("", v -> ValueParsers.bool(v, "k")));
  }

  @Test
  void choiceNamesTheConstantsInLowerCase() {
    assertEquals(Color.DARK_BLUE, ValueParsers.choice(Map.of("k", " dark_Blue"), "k", Color.class));
    assertEquals("k='green': must be one of red, dark_blue", refused("green ", v -> ValueParsers.choice(v, "k", Color.class)));
  }

  @Test
  void nonEmptyTrims() {
    assertEquals("x", ValueParsers.nonEmpty(Map.of("k", " x "), "k"));
    assertEquals("k='  ': must not be empty", refused("  ", v -> ValueParsers.nonEmpty(v, "k")));
  }

  @Test
  void integerHasAMinimum() {
    assertEquals(3, ValueParsers.integer(Map.of("k", " 3"), "k", 1));
    assertEquals("k='3.5': not an integer", refused("3.5", v -> ValueParsers.integer(v, "k", 1)));
    assertEquals("k=0: must be >= 1", refused("0", v -> ValueParsers.integer(v, "k", 1)));
  }

  @Test
  void secondsAreFiniteAndNotNegative() {
    assertEquals(0.5, ValueParsers.seconds(Map.of("k", "0.5"), "k"));
    assertEquals("k='10s': not a number of seconds", refused("10s", v -> ValueParsers.seconds(v, "k")));
    assertEquals("k=-1: must be a number of seconds >= 0", refused("-1", v -> ValueParsers.seconds(v, "k")));
    assertEquals("k=Infinity: must be a number of seconds >= 0", refused("Infinity", v -> ValueParsers.seconds(v, "k")));
  }

  @Test
  void bytesTakePowersOf1024() {
    assertEquals(100, ValueParsers.bytes(Map.of("k", "100"), "k"));
    assertEquals(512L << 20, ValueParsers.bytes(Map.of("k", "512m"), "k"));
    assertEquals(4L << 30, ValueParsers.bytes(Map.of("k", "4GB"), "k"));
    assertEquals(3L << 29, ValueParsers.bytes(Map.of("k", "1.5g"), "k"));
    assertEquals("k='4x': not a size (bytes, or a number with k, m, g or t)", refused("4x", v -> ValueParsers.bytes(v, "k")));
    assertEquals("k='0m': must be a size > 0", refused("0m", v -> ValueParsers.bytes(v, "k")));
  }
}
