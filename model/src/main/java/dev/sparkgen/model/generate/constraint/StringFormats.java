package dev.sparkgen.model.generate.constraint;

import dk.brics.automaton.Automaton;
import java.util.List;

/**
 * The JSON Schema {@code format} values supported for strings, as exact regular languages of the
 * string's characters: {@code date} (RFC 3339 full-date, leap years included), {@code date-time}
 * (RFC 3339 date-time with upper-case T and Z, at most nanosecond fractions, no leap second) and
 * {@code uuid} (RFC 4122 text form, either case).
 */
final class StringFormats {
  /** The supported format names. */
  static final List<String> NAMES = List.of("date", "date-time", "uuid");

  private static final String LEAP_YEAR = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[048]|[2468][048]|[13579][26])00)";
  private static final String DATE = "([0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
      + "|02-(0[1-9]|1[0-9]|2[0-8]))|" + LEAP_YEAR + "-02-29)";
  private static final String TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";
  private static final String UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

  private StringFormats() {}

  /** The characters of a string of this format; null for a name not in {@link #NAMES}. */
  static Automaton of(String name) {
    return switch (name) {
      case "date" -> RegexCompiler.fullMatch(DATE);
      case "date-time" -> RegexCompiler.fullMatch(DATE + "T" + TIME);
      case "uuid" -> RegexCompiler.fullMatch(UUID);
      default -> null;
    };
  }
}
