package dev.sparkgen.model.chat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Python 3 {@code str} methods that chat templates call ({@code content.strip('\n')},
 * {@code content.split('</think>')[-1]}, {@code name.startswith('<tool')} ...), with CPython's
 * semantics: whitespace is {@code str.isspace()} (not Java's {@code trim}), a chars argument is a
 * set of code points, {@code split()} without a separator splits on runs of whitespace and drops
 * empty ends, and {@code split('')} fails like Python ("empty separator").
 *
 * <p>Source: the CPython documentation of str methods
 * (https://docs.python.org/3/library/stdtypes.html#string-methods).
 */
final class PyStrings {
  private PyStrings() {}

  /** Python's {@code str.isspace()} for one code point (Unicode White_Space plus the four separators). */
  static boolean isSpace(int c) {
    return switch (c) {
      case '\t', '\n', 0x0b, '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, ' ', 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f,
          0x205f, 0x3000 -> true;
      default -> c >= 0x2000 && c <= 0x200a;
    };
  }

  /** {@code s.strip(chars)}; chars null strips whitespace. */
  static String strip(String s, String chars) {
    return rstrip(lstrip(s, chars), chars);
  }

  /** {@code s.lstrip(chars)}; chars null strips whitespace. */
  static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length()) {
      int c = s.codePointAt(i);
      if (!stripped(c, chars)) {
        break;
      }
      i += Character.charCount(c);
    }
    return s.substring(i);
  }

  /** {@code s.rstrip(chars)}; chars null strips whitespace. */
  static String rstrip(String s, String chars) {
    int end = s.length();
    while (end > 0) {
      int c = s.codePointBefore(end);
      if (!stripped(c, chars)) {
        break;
      }
      end -= Character.charCount(c);
    }
    return s.substring(0, end);
  }

  private static boolean stripped(int c, String chars) {
    return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
  }

  /** {@code s.split(sep, maxsplit)}; sep null splits on whitespace runs; maxsplit < 0 means no limit. */
  static List<String> split(String s, String sep, int maxsplit) {
    List<String> out = new ArrayList<>();
    if (sep == null) {
      int i = 0;
      int n = s.length();
      while (true) {
        while (i < n && isSpace(s.codePointAt(i))) {
          i += Character.charCount(s.codePointAt(i));
        }
        if (i >= n) {
          return out;
        }
        if (maxsplit >= 0 && out.size() == maxsplit) {
          out.add(rstrip(s.substring(i), null));
          return out;
        }
        int start = i;
        while (i < n && !isSpace(s.codePointAt(i))) {
          i += Character.charCount(s.codePointAt(i));
        }
        out.add(s.substring(start, i));
      }
    }
    requireSeparator(sep);
    int start = 0;
    int at;
    while ((maxsplit < 0 || out.size() < maxsplit) && (at = s.indexOf(sep, start)) >= 0) {
      out.add(s.substring(start, at));
      start = at + sep.length();
    }
    out.add(s.substring(start));
    return out;
  }

  /** {@code s.rsplit(sep, maxsplit)}: like split, but the splits counted by maxsplit are the last ones. */
  static List<String> rsplit(String s, String sep, int maxsplit) {
    if (maxsplit < 0) {
      return split(s, sep, -1);
    }
    List<String> out = new ArrayList<>();
    if (sep == null) {
      int end = s.length();
      while (true) {
        while (end > 0 && isSpace(s.codePointBefore(end))) {
          end -= Character.charCount(s.codePointBefore(end));
        }
        if (end <= 0) {
          break;
        }
        if (out.size() == maxsplit) {
          out.add(lstrip(s.substring(0, end), null));
          break;
        }
        int stop = end;
        while (end > 0 && !isSpace(s.codePointBefore(end))) {
          end -= Character.charCount(s.codePointBefore(end));
        }
        out.add(s.substring(end, stop));
      }
    } else {
      requireSeparator(sep);
      int end = s.length();
      int at;
      while (out.size() < maxsplit && (at = s.lastIndexOf(sep, end - sep.length())) >= 0) {
        out.add(s.substring(at + sep.length(), end));
        end = at;
      }
      out.add(s.substring(0, end));
    }
    Collections.reverse(out);
    return out;
  }

  private static void requireSeparator(String sep) {
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
  }

  /** {@code s.splitlines(keepends)} with Python's line boundaries. */
  static List<String> splitlines(String s, boolean keepends) {
    List<String> out = new ArrayList<>();
    int start = 0;
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      int eol;
      if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
        eol = 2;
      } else if (c == '\n' || c == '\r' || c == 0x0b || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e || c == 0x85
          || c == 0x2028 || c == 0x2029) {
        eol = 1;
      } else {
        i++;
        continue;
      }
      out.add(s.substring(start, keepends ? i + eol : i));
      i += eol;
      start = i;
    }
    if (start < s.length()) {
      out.add(s.substring(start));
    }
    return out;
  }

  /** {@code s.replace(old, new, count)}; count < 0 replaces all; an empty old inserts between code points. */
  static String replace(String s, String old, String replacement, int count) {
    if (count == 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    int done = 0;
    if (old.isEmpty()) {
      int i = 0;
      while (true) {
        if (count < 0 || done < count) {
          out.append(replacement);
          done++;
        }
        if (i >= s.length()) {
          return out.toString();
        }
        int c = s.codePointAt(i);
        out.appendCodePoint(c);
        i += Character.charCount(c);
      }
    }
    int start = 0;
    int at;
    while ((count < 0 || done < count) && (at = s.indexOf(old, start)) >= 0) {
      out.append(s, start, at).append(replacement);
      start = at + old.length();
      done++;
    }
    return out.append(s, start, s.length()).toString();
  }

  /** {@code s.title()}: the first cased letter after an uncased character is title-cased, others lower. */
  static String title(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean previousCased = false;
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      out.appendCodePoint(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
      previousCased = isCased(c);
    }
    return out.toString();
  }

  /** {@code s.capitalize()}: first code point title-cased (Python 3.8+), the rest lower-cased. */
  static String capitalize(String s) {
    if (s.isEmpty()) {
      return s;
    }
    int first = s.codePointAt(0);
    return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
        .append(s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT)).toString();
  }

  private static boolean isCased(int c) {
    return Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
  }

  /** Number of code points: Python's {@code len(s)}. */
  static int length(String s) {
    return s.codePointCount(0, s.length());
  }

  /** {@code s[index]} with Python's negative indexes, counted in code points; null when out of range. */
  static String charAt(String s, long index) {
    int n = length(s);
    long i = index < 0 ? index + n : index;
    if (i < 0 || i >= n) {
      return null;
    }
    int at = s.offsetByCodePoints(0, (int) i);
    return new String(Character.toChars(s.codePointAt(at)));
  }

  /** {@code s.find(sub)}: code-point index of the first occurrence, -1 if none. */
  static int find(String s, String sub, boolean last) {
    int at = last ? s.lastIndexOf(sub) : s.indexOf(sub);
    return at < 0 ? -1 : s.codePointCount(0, at);
  }

  /** {@code s.count(sub)}: non-overlapping occurrences; an empty sub counts len(s) + 1. */
  static int count(String s, String sub) {
    if (sub.isEmpty()) {
      return length(s) + 1;
    }
    int n = 0;
    for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
      n++;
    }
    return n;
  }

  /** {@code str.isdigit/isalpha/isalnum/isspace/isupper/islower} (false for the empty string). */
  static boolean is(String s, String test) {
    if (s.isEmpty()) {
      return false;
    }
    boolean cased = false;
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      boolean ok = switch (test) {
        case "isdigit" -> Character.isDigit(c);
        case "isalpha" -> Character.isLetter(c);
        case "isalnum" -> Character.isLetterOrDigit(c);
        case "isspace" -> isSpace(c);
        case "isupper" -> !(Character.isLowerCase(c) || Character.isTitleCase(c));
        case "islower" -> !(Character.isUpperCase(c) || Character.isTitleCase(c));
        default -> throw new IllegalArgumentException(test);
      };
      if (!ok) {
        return false;
      }
      cased |= isCased(c);
    }
    return !test.equals("isupper") && !test.equals("islower") || cased;
  }
}
