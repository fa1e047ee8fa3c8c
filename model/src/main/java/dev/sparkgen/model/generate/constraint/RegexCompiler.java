package dev.sparkgen.model.generate.constraint;

import dk.brics.automaton.Automaton;
import dk.brics.automaton.BasicAutomata;
import java.util.ArrayList;
import java.util.List;

/**
 * The regular subset of ECMA-262 regular expressions (the dialect JSON Schema's {@code pattern}
 * uses) compiled to an automaton over the UTF-8 bytes of the matched text.
 *
 * <p>Supported: literals, {@code .} (any character but a line terminator), classes {@code [a-z]},
 * {@code [^...]}, escapes {@code \d \D \w \W \s \S \t \n \r \f \v \0 \xHH \\uHHHH \\u{H..} \cX}
 * and escaped punctuation, groups {@code (...)}, {@code (?:...)}, {@code (?<name>...)},
 * alternation, quantifiers {@code * + ? {n} {n,} {n,m}} (lazy forms match the same texts), and
 * {@code ^} / {@code $} at the very start / end. Refused with the construct and its position:
 * backreferences, lookaround, word boundaries, Unicode property escapes, inline flags, anchors
 * elsewhere, and bounds above {@value #MAX_REPEAT}: they are not regular, or not worth an
 * automaton that large.
 */
final class RegexCompiler {
  /** The largest {n,m} bound accepted. */
  static final int MAX_REPEAT = 1000;

  private static final CodePointSet DIGIT = CodePointSet.range('0', '9');
  private static final CodePointSet WORD =
      DIGIT.union(CodePointSet.range('a', 'z')).union(CodePointSet.range('A', 'Z')).union(CodePointSet.of('_'));
  private static final CodePointSet SPACE = CodePointSet.chars("\t\n\u000B\f\r \u00A0\u1680\u2028\u2029\u202F\u205F\u3000\uFEFF")
      .union(CodePointSet.range(0x2000, 0x200A));
  private static final CodePointSet LINE_TERMINATORS = CodePointSet.chars("\n\r\u2028\u2029");
  private static final CodePointSet DOT = LINE_TERMINATORS.complement();

  private final String source;
  private final int[] cp;
  private int pos;
  private int depth;
  private boolean anchoredStart;
  private boolean anchoredEnd;

  private RegexCompiler(String source) {
    this.source = source;
    this.cp = source.codePoints().toArray();
  }

  /** The texts {@code pattern} matches as a whole (a leading ^ and a trailing $ change nothing). */
  static Automaton fullMatch(String pattern) {
    RegexCompiler c = new RegexCompiler(pattern);
    return c.parse();
  }

  /**
   * The texts in which {@code pattern} matches somewhere, JSON Schema's reading of {@code pattern}:
   * unless it starts with ^ any text may come before the match, unless it ends with $ any after.
   */
  static Automaton search(String pattern) {
    RegexCompiler c = new RegexCompiler(pattern);
    Automaton a = c.parse();
    Automaton any = CodePointSet.ANY.toAutomaton().repeat();
    List<Automaton> parts = new ArrayList<>();
    if (!c.anchoredStart) {
      parts.add(any);
    }
    parts.add(a);
    if (!c.anchoredEnd) {
      parts.add(any);
    }
    Automaton out = Automaton.concatenate(parts);
    out.minimize();
    return out;
  }

  private Automaton parse() {
    if (more() && peek() == '^') {
      anchoredStart = true;
      pos++;
    }
    Automaton a = alternation();
    if (more()) {
      throw error("unbalanced ')'");
    }
    a.minimize();
    return a;
  }

  private Automaton alternation() {
    List<Automaton> branches = new ArrayList<>();
    branches.add(sequence());
    while (more() && peek() == '|') {
      pos++;
      branches.add(sequence());
    }
    return branches.size() == 1 ? branches.get(0) : Automaton.union(branches);
  }

  private Automaton sequence() {
    List<Automaton> items = new ArrayList<>();
    while (more() && peek() != '|' && peek() != ')') {
      if (peek() == '$') {
        if (pos == cp.length - 1 && depth == 0) {
          anchoredEnd = true;
          pos++;
          continue;
        }
        throw error("the anchor $ is supported only at the very end");
      }
      if (peek() == '^') {
        throw error("the anchor ^ is supported only at the very start");
      }
      items.add(quantified());
    }
    return items.isEmpty() ? BasicAutomata.makeEmptyString() : Automaton.concatenate(items);
  }

  private Automaton quantified() {
    int at = pos;
    Automaton a = atom();
    boolean quantified = false;
    while (more()) {
      int c = peek();
      int[] bounds;
      if (c == '*') {
        bounds = new int[] {0, -1};
        pos++;
      } else if (c == '+') {
        bounds = new int[] {1, -1};
        pos++;
      } else if (c == '?') {
        bounds = new int[] {0, 1};
        pos++;
      } else if (c == '{' && (bounds = braces()) != null) {
        // pos is past the closing brace
      } else {
        break;
      }
      if (quantified) {
        throw error("nothing to repeat (two quantifiers in a row)");
      }
      quantified = true;
      if (more() && peek() == '?') {
        pos++; // lazy: matches the same texts
      } else if (more() && peek() == '+') {
        throw error("possessive quantifiers are not ECMA-262");
      }
      a = bounds[1] < 0 ? a.repeat(bounds[0]) : a.repeat(bounds[0], bounds[1]);
      a.minimize();
    }
    if (a == null) {
      throw new IllegalStateException("no atom at " + at);
    }
    return a;
  }

  /** {n}, {n,} or {n,m} at pos: the bounds (max -1 = none), pos moved past it; null if not a quantifier. */
  private int[] braces() {
    int save = pos;
    pos++;
    long min = digits();
    if (min < 0) {
      pos = save;
      return null;
    }
    long max = min;
    if (more() && peek() == ',') {
      pos++;
      max = more() && peek() != '}' ? digits() : -1;
      if (max < -1 || (max == -1 && more() && peek() != '}')) {
        pos = save;
        return null;
      }
    }
    if (!more() || peek() != '}') {
      pos = save;
      return null;
    }
    pos++;
    if (min > MAX_REPEAT || max > MAX_REPEAT) {
      throw error("repetition bound above " + MAX_REPEAT);
    }
    if (max >= 0 && max < min) {
      throw error("numbers out of order in {" + min + "," + max + "}");
    }
    return new int[] {(int) min, (int) max};
  }

  /** A run of decimal digits at pos, or -1 (pos unchanged) if there is none; saturates at MAX_REPEAT + 1. */
  private long digits() {
    int start = pos;
    long n = 0;
    while (more() && peek() >= '0' && peek() <= '9') {
      n = Math.min(n * 10 + (peek() - '0'), MAX_REPEAT + 1L);
      pos++;
    }
    return pos == start ? -2 : n;
  }

  private Automaton atom() {
    int c = peek();
    switch (c) {
      case '(' -> {
        return group();
      }
      case '[' -> {
        return characterClass().toAutomaton();
      }
      case '.' -> {
        pos++;
        return DOT.toAutomaton();
      }
      case '\\' -> {
        pos++;
        return escape(false).toAutomaton();
      }
      case '*', '+', '?' -> throw error("nothing to repeat before '" + (char) c + "'");
      case '{' -> {
        if (braces() != null) {
          throw error("nothing to repeat before '{'");
        }
        pos++;
        return CodePointSet.of(c).toAutomaton();
      }
      default -> {
        pos++;
        return CodePointSet.of(c).toAutomaton();
      }
    }
  }

  private Automaton group() {
    int open = pos;
    pos++;
    if (more() && peek() == '?') {
      pos++;
      int kind = more() ? peek() : -1;
      if (kind == ':') {
        pos++;
      } else if (kind == '<' && pos + 1 < cp.length && cp[pos + 1] != '=' && cp[pos + 1] != '!') {
        while (more() && peek() != '>') {
          pos++;
        }
        if (!more()) {
          throw error("unterminated group name");
        }
        pos++;
      } else if (kind == '=' || kind == '!' || kind == '<') {
        pos = open;
        throw error("lookaround assertions are not regular");
      } else {
        pos = open;
        throw error("inline flags and other (? groups are not supported");
      }
    }
    depth++;
    Automaton inner = alternation();
    depth--;
    if (!more() || peek() != ')') {
      pos = open;
      throw error("unclosed group");
    }
    pos++;
    inner.minimize();
    return inner;
  }

  private CodePointSet characterClass() {
    int open = pos;
    pos++;
    boolean negate = more() && peek() == '^';
    if (negate) {
      pos++;
    }
    CodePointSet set = CodePointSet.empty();
    while (true) {
      if (!more()) {
        pos = open;
        throw error("unclosed character class");
      }
      if (peek() == ']') {
        pos++;
        break;
      }
      CodePointSet first = classAtom();
      if (more() && peek() == '-' && pos + 1 < cp.length && cp[pos + 1] != ']') {
        pos++;
        CodePointSet last = classAtom();
        int lo = first.singleton();
        int hi = last.singleton();
        if (lo < 0 || hi < 0) {
          throw error("a class escape such as \\d cannot bound a range");
        }
        if (hi < lo) {
          throw error("range out of order in character class");
        }
        set = set.union(CodePointSet.range(lo, hi)); // surrogates inside the range are left out
      } else {
        set = set.union(first);
      }
    }
    return negate ? set.complement() : set;
  }

  private CodePointSet classAtom() {
    if (peek() == '\\') {
      pos++;
      return escape(true);
    }
    return CodePointSet.of(cp[pos++]);
  }

  /** The escape after a backslash (pos is past it). */
  private CodePointSet escape(boolean inClass) {
    if (!more()) {
      throw error("the pattern ends with a backslash");
    }
    int c = cp[pos++];
    switch (c) {
      case 'd': return DIGIT;
      case 'D': return DIGIT.complement();
      case 'w': return WORD;
      case 'W': return WORD.complement();
      case 's': return SPACE;
      case 'S': return SPACE.complement();
      case 't': return CodePointSet.of('\t');
      case 'n': return CodePointSet.of('\n');
      case 'r': return CodePointSet.of('\r');
      case 'f': return CodePointSet.of('\f');
      case 'v': return CodePointSet.of(0x0B);
      case '0':
        if (more() && peek() >= '0' && peek() <= '9') {
          pos--;
          throw error("octal escapes are not supported");
        }
        return CodePointSet.of(0);
      case 'x': return CodePointSet.of(hex(2));
      case 'u': return CodePointSet.of(unicodeEscape());
      case 'c':
        if (more() && Character.isLetter(peek()) && peek() < 128) {
          return CodePointSet.of(cp[pos++] % 32);
        }
        pos--;
        throw error("\\c must be followed by a letter");
      case 'b':
        if (inClass) {
          return CodePointSet.of(0x08);
        }
        pos -= 2;
        throw error("word boundaries (\\b) are not regular over characters");
      case '-':
        return CodePointSet.of('-');
      default:
        break;
    }
    if (c >= '1' && c <= '9') {
      pos -= 2;
      throw error("backreferences are not regular");
    }
    if (c == 'k') {
      pos -= 2;
      throw error("named backreferences are not regular");
    }
    if (c == 'p' || c == 'P') {
      pos -= 2;
      throw error("Unicode property escapes (\\p, \\P) are not supported");
    }
    if (c == 'B') {
      pos -= 2;
      throw error("\\B (not a word boundary) is not supported");
    }
    if (c < 128 && Character.isLetterOrDigit(c)) {
      pos -= 2;
      throw error("unknown escape \\" + (char) c);
    }
    return CodePointSet.of(c); // escaped punctuation or a non-ASCII character stands for itself
  }

  private int unicodeEscape() {
    if (more() && peek() == '{') {
      pos++;
      int start = pos;
      while (more() && peek() != '}') {
        pos++;
      }
      if (!more() || pos == start || pos - start > 6) {
        throw error("bad \\u{...} escape");
      }
      int value = parseHex(start, pos);
      pos++;
      if (value > CodePointSet.MAX) {
        throw error("\\u{...} beyond U+10FFFF");
      }
      return value;
    }
    int high = hex(4);
    // A surrogate pair written as two \\u escapes is one character.
    if (Character.isHighSurrogate((char) high) && pos + 5 < cp.length && cp[pos] == '\\' && cp[pos + 1] == 'u') {
      int save = pos;
      pos += 2;
      int low = hex(4);
      if (Character.isLowSurrogate((char) low)) {
        return Character.toCodePoint((char) high, (char) low);
      }
      pos = save;
    }
    if (high >= 0xD800 && high <= 0xDFFF) {
      throw error("a lone surrogate \\u" + Integer.toHexString(high) + " is not a character");
    }
    return high;
  }

  private int hex(int n) {
    if (pos + n > cp.length) {
      throw error("expected " + n + " hex digits");
    }
    int value = parseHex(pos, pos + n);
    pos += n;
    return value;
  }

  private int parseHex(int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      int d = Character.digit(cp[i], 16);
      if (d < 0) {
        pos = from;
        throw error("expected hex digits");
      }
      value = value * 16 + d;
    }
    return value;
  }

  private boolean more() {
    return pos < cp.length;
  }

  private int peek() {
    return cp[pos];
  }

  private ResponseFormatException error(String problem) {
    int at = Math.min(pos, cp.length);
    int chars = source.offsetByCodePoints(0, at);
    return new ResponseFormatException("regular expression '" + source + "': " + problem + " (at character " + chars + ")");
  }
}
