package dev.sparkgen.model.chat;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;

/**
 * Python's {@code datetime.strftime} for a naive local time in the C locale, as transformers'
 * {@code strftime_now} global calls it ({@code datetime.now().strftime(fmt)}): English names,
 * zero-padded fields, {@code %z} and {@code %Z} empty (a naive time has no zone), plus the glibc
 * extensions Linux Python passes through ({@code %-d}, {@code %e}, {@code %F}, {@code %T} ...).
 * Llama 3.x templates call {@code strftime_now("%d %b %Y")}.
 *
 * <p>Source: the C standard / glibc {@code strftime(3)} and Python's {@code %f} extension.
 */
final class Strftime {
  private Strftime() {}

  private static final String[] DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  private static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August",
      "September", "October", "November", "December"};

  /** {@code t.strftime(format)}. An unknown directive is copied as is, as glibc does. */
  static String format(LocalDateTime t, String format) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        out.append(c);
        continue;
      }
      char d = format.charAt(++i);
      boolean unpadded = false;
      if (d == '-' && i + 1 < format.length()) { // glibc: %-d = no padding
        unpadded = true;
        d = format.charAt(++i);
      }
      String field = field(t, d);
      if (field == null) {
        out.append('%');
        if (unpadded) {
          out.append('-');
        }
        out.append(d);
      } else {
        out.append(unpadded ? unpad(field) : field);
      }
    }
    return out.toString();
  }

  private static String unpad(String field) {
    String s = field.replaceFirst("^[0 ]+(?=.)", "");
    return s;
  }

  private static String field(LocalDateTime t, char d) {
    int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
    return switch (d) {
      case 'a' -> DAYS[t.getDayOfWeek().getValue() - 1].substring(0, 3);
      case 'A' -> DAYS[t.getDayOfWeek().getValue() - 1];
      case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
      case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
      case 'd' -> two(t.getDayOfMonth());
      case 'e' -> String.format("%2d", t.getDayOfMonth());
      case 'b', 'h' -> MONTHS[t.getMonthValue() - 1].substring(0, 3);
      case 'B' -> MONTHS[t.getMonthValue() - 1];
      case 'm' -> two(t.getMonthValue());
      case 'y' -> two(t.getYear() % 100);
      case 'Y' -> Integer.toString(t.getYear());
      case 'C' -> two(t.getYear() / 100);
      case 'G' -> Integer.toString(t.get(IsoFields.WEEK_BASED_YEAR));
      case 'V' -> two(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
      case 'H' -> two(t.getHour());
      case 'k' -> String.format("%2d", t.getHour());
      case 'I' -> two(hour12);
      case 'l' -> String.format("%2d", hour12);
      case 'p' -> t.getHour() < 12 ? "AM" : "PM";
      case 'M' -> two(t.getMinute());
      case 'S' -> two(t.getSecond());
      case 'f' -> String.format("%06d", t.getNano() / 1000);
      case 'j' -> String.format("%03d", t.getDayOfYear());
      case 'U' -> two(weekOfYear(t, DayOfWeek.SUNDAY));
      case 'W' -> two(weekOfYear(t, DayOfWeek.MONDAY));
      case 'z', 'Z' -> "";
      case 'c' -> format(t, "%a %b %e %H:%M:%S %Y");
      case 'x', 'D' -> format(t, "%m/%d/%y");
      case 'X', 'T' -> format(t, "%H:%M:%S");
      case 'F' -> format(t, "%Y-%m-%d");
      case 'R' -> format(t, "%H:%M");
      case 'r' -> format(t, "%I:%M:%S %p");
      case 's' -> Long.toString(t.atZone(java.time.ZoneId.systemDefault()).toEpochSecond());
      case 'n' -> "\n";
      case 't' -> "\t";
      case '%' -> "%";
      default -> null;
    };
  }

  /** Week number where weeks start on {@code first}; days before the year's first such day are week 0. */
  private static int weekOfYear(LocalDateTime t, DayOfWeek first) {
    int dayOfYear = t.get(ChronoField.DAY_OF_YEAR) - 1; // 0-based
    int weekday = Math.floorMod(t.getDayOfWeek().getValue() - first.getValue(), 7); // days since week start
    return (dayOfYear + 7 - weekday) / 7;
  }

  private static String two(int v) {
    return v < 10 ? "0" + v : Integer.toString(v);
  }
}
