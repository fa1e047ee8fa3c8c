package dev.sparkgen.model.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * A template source cut into data and tags where jinja2's lexer cuts it ({@code jinja2/lexer.py},
 * 3.1: the {@code root}, {@code comment_begin}, {@code block_begin}, {@code variable_begin} and
 * {@code raw_begin} rules), so that the rules Jinjava's own scanner gets wrong can be applied to the
 * source before Jinjava parses it ({@link BlockWhitespace}, {@link ExpressionBraces}).
 *
 * <p>As jinja2: a tag starts at the first {@code {{}, {@code {%} or {@code {#}, optionally followed
 * by a whitespace-control sign {@code -} or {@code +}; a comment ends at the first {@code #}} (with
 * its optional sign); a block or expression ends at {@code %}} / {@code }}} (optionally signed) only
 * where its brackets are balanced and outside string literals ({@code '...'}, {@code "..."}, with
 * backslash escapes); {@code {% raw %}} ... {@code {% endraw %}} holds data that is not lexed.
 * Malformed input (an unclosed tag or string) ends in a last segment that is passed on as it is, for
 * Jinjava to report.
 */
final class TemplateSegments {
  private TemplateSegments() {}

  /** What a segment is. */
  enum Kind { DATA, VARIABLE, BLOCK, COMMENT, RAW_BEGIN, RAW_DATA, RAW_END }

  /**
   * One segment. For tags: {@code open} is {@code "{{"}, {@code "{%"} or {@code "{#"}; {@code left}
   * and {@code right} are the signs after the opener and before the closer ({@code '-'},
   * {@code '+'}, or 0); {@code body} is what lies between; {@code close} the closer, empty when the
   * tag is unclosed. For data, only {@code body}.
   */
  record Segment(Kind kind, String open, char left, String body, char right, String close) {
    static Segment data(Kind kind, String text) {
      return new Segment(kind, "", (char) 0, text, (char) 0, "");
    }

    boolean isTag() {
      return kind != Kind.DATA && kind != Kind.RAW_DATA;
    }

    Segment withBody(String b) {
      return new Segment(kind, open, left, b, right, close);
    }

    Segment withSigns(char l, char r) {
      return new Segment(kind, open, l, body, r, close);
    }

    /** The source text of this segment. */
    String text() {
      StringBuilder s = new StringBuilder(open);
      if (left != 0) {
        s.append(left);
      }
      s.append(body);
      if (right != 0) {
        s.append(right);
      }
      return s.append(close).toString();
    }
  }

  /** Cuts {@code source} (newlines already {@code \n}). */
  static List<Segment> cut(String source) {
    List<Segment> out = new ArrayList<>();
    int pos = 0;
    int n = source.length();
    while (pos < n) {
      int b = nextTagStart(source, pos);
      if (b < 0) {
        out.add(Segment.data(Kind.DATA, source.substring(pos)));
        break;
      }
      if (b > pos) {
        out.add(Segment.data(Kind.DATA, source.substring(pos, b)));
      }
      char type = source.charAt(b + 1);
      int bodyStart = b + 2;
      char left = bodyStart < n && (source.charAt(bodyStart) == '-' || source.charAt(bodyStart) == '+') ? source.charAt(bodyStart) : 0;
      if (left != 0) {
        bodyStart++;
      }
      if (type == '#') {
        pos = comment(source, b, left, bodyStart, out);
      } else if (type == '%' && rawTagEnd(source, bodyStart, "raw", false) >= 0) {
        pos = raw(source, b, left, bodyStart, out);
      } else {
        pos = tag(source, type == '%' ? Kind.BLOCK : Kind.VARIABLE, b, left, bodyStart, out);
      }
    }
    return out;
  }

  /** The source again. */
  static String join(List<Segment> segments) {
    StringBuilder s = new StringBuilder();
    for (Segment g : segments) {
      s.append(g.text());
    }
    return s.toString();
  }

  private static int nextTagStart(String s, int from) {
    for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
      char c = s.charAt(i + 1);
      if (c == '{' || c == '%' || c == '#') {
        return i;
      }
    }
    return -1;
  }

  /** {@code (.*?)((?:\+#}|\-#}\s*|#}\n?))}: the first closer, whatever lies before it. */
  private static int comment(String s, int b, char left, int bodyStart, List<Segment> out) {
    for (int p = bodyStart; p < s.length(); p++) {
      char right = s.startsWith("+#}", p) ? '+' : s.startsWith("-#}", p) ? '-' : 0;
      if (right != 0 || s.startsWith("#}", p)) {
        int close = right != 0 ? p + 1 : p;
        out.add(new Segment(Kind.COMMENT, "{#", left, s.substring(bodyStart, p), right, "#}"));
        return close + 2;
      }
    }
    out.add(new Segment(Kind.COMMENT, "{#", left, s.substring(bodyStart), (char) 0, ""));
    return s.length();
  }

  /** A block or expression: to its closer at bracket depth 0, outside strings. */
  private static int tag(String s, Kind kind, int b, char left, int bodyStart, List<Segment> out) {
    String open = kind == Kind.BLOCK ? "{%" : "{{";
    StringBuilder depth = new StringBuilder(); // the closers expected, innermost last
    int p = bodyStart;
    while (p < s.length()) {
      if (depth.isEmpty()) {
        char right = 0;
        String close = null;
        if (kind == Kind.BLOCK) {
          if (s.startsWith("+%}", p) || s.startsWith("-%}", p)) {
            right = s.charAt(p);
            close = "%}";
          } else if (s.startsWith("%}", p)) {
            close = "%}";
          }
        } else if (s.startsWith("-}}", p)) {
          right = '-';
          close = "}}";
        } else if (s.startsWith("}}", p)) {
          close = "}}";
        }
        if (close != null) {
          out.add(new Segment(kind, open, left, s.substring(bodyStart, p), right, close));
          return p + (right != 0 ? 1 : 0) + 2;
        }
      }
      char c = s.charAt(p);
      if (c == '\'' || c == '"') {
        p = stringEnd(s, p);
        continue;
      }
      if (c == '{' || c == '(' || c == '[') {
        depth.append(c == '{' ? '}' : c == '(' ? ')' : ']');
      } else if ((c == '}' || c == ')' || c == ']') && !depth.isEmpty()) {
        depth.setLength(depth.length() - 1); // a mismatch is a syntax error; Jinjava reports it
      }
      p++;
    }
    out.add(new Segment(kind, open, left, s.substring(bodyStart), (char) 0, ""));
    return s.length();
  }

  /** After a string literal starting at {@code p} (the end of the source when unclosed). */
  private static int stringEnd(String s, int p) {
    char quote = s.charAt(p);
    for (int i = p + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == quote) {
        return i + 1;
      }
    }
    return s.length();
  }

  /**
   * {@code {% raw %}} data {@code {% endraw %}}: raw_begin {@code {%(-|+|)\s*raw\s*(?:-%}\s*|%})},
   * then everything up to {@code {%(-|+|)\s*endraw\s*(?:+%}|-%}\s*|%}\n?)}.
   */
  private static int raw(String s, int b, char left, int bodyStart, List<Segment> out) {
    int beginEnd = rawTagEnd(s, bodyStart, "raw", false);
    int closeAt = beginEnd - 2;
    char beginRight = s.charAt(closeAt - 1) == '-' ? '-' : 0;
    out.add(new Segment(Kind.RAW_BEGIN, "{%", left, s.substring(bodyStart, beginRight != 0 ? closeAt - 1 : closeAt),
        beginRight, "%}"));
    for (int e = s.indexOf("{%", beginEnd); e >= 0; e = s.indexOf("{%", e + 1)) {
      int endBody = e + 2;
      char endLeft = endBody < s.length() && (s.charAt(endBody) == '-' || s.charAt(endBody) == '+') ? s.charAt(endBody) : 0;
      if (endLeft != 0) {
        endBody++;
      }
      int endEnd = rawTagEnd(s, endBody, "endraw", true);
      if (endEnd >= 0) {
        if (e > beginEnd) {
          out.add(Segment.data(Kind.RAW_DATA, s.substring(beginEnd, e)));
        }
        int endClose = endEnd - 2;
        char endRight = s.charAt(endClose - 1) == '-' || s.charAt(endClose - 1) == '+' ? s.charAt(endClose - 1) : 0;
        out.add(new Segment(Kind.RAW_END, "{%", endLeft, s.substring(endBody, endRight != 0 ? endClose - 1 : endClose),
            endRight, "%}"));
        return endEnd;
      }
    }
    out.add(Segment.data(Kind.RAW_DATA, s.substring(beginEnd))); // no endraw: jinja2 fails, so will Jinjava
    return s.length();
  }

  /**
   * Where a {@code raw}/{@code endraw} tag whose body starts at {@code p} ends (after its
   * {@code %}}), or -1 when the text there is not that tag: {@code \s*word\s*} then {@code -%}},
   * {@code %}}, or (endraw only) {@code +%}}.
   */
  private static int rawTagEnd(String s, int p, String word, boolean plus) {
    int i = skipSpace(s, p);
    if (!s.startsWith(word, i)) {
      return -1;
    }
    i = skipSpace(s, i + word.length());
    if (s.startsWith("-%}", i) || (plus && s.startsWith("+%}", i))) {
      return i + 3;
    }
    return s.startsWith("%}", i) ? i + 2 : -1;
  }

  private static int skipSpace(String s, int i) {
    while (i < s.length() && PyStrings.isSpace(s.charAt(i))) {
      i++;
    }
    return i;
  }
}
