package dev.sparkgen.model.chat;

import dev.sparkgen.model.chat.TemplateSegments.Kind;
import dev.sparkgen.model.chat.TemplateSegments.Segment;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code trim_blocks} and {@code lstrip_blocks}, applied to the template source as
 * jinja2's lexer applies them, with the {@code +} signs that turn them off for one tag; Jinjava's
 * own two options stay off ({@link HfJinjava}).
 *
 * <p>Why not Jinjava's: its {@code lstrip_blocks} strips the spaces and tabs before every block or
 * comment tag, also in the middle of a line ({@code Hello {% if x %}} lost its space), and it
 * knows no {@code {%+} (it fails to parse it) nor {@code +%}}.
 *
 * <p>jinja2's rules ({@code jinja2/lexer.py}, 3.1): <b>lstrip</b>: before a block, comment, raw or
 * endraw tag whose opener has no sign, the data from the last newline to the tag is removed when
 * it is all whitespace (Python's {@code \s}) and the tag starts a line (a newline in the data, or
 * the data starts a line: at the top of the template or after a tag that ended with its trimmed
 * newline). {@code {%+} keeps it; {@code {%-} is Jinjava's (it strips all whitespace).
 * <b>trim</b>: one newline right after a block, comment or endraw tag ending {@code %}} or
 * {@code #}} is removed ({@code block_suffix_re = "\\n?"}); not after {@code +%}}, nor after the
 * {@code %}} of {@code {% raw %}}; {@code -%}} is Jinjava's. The {@code +} signs are removed, as
 * jinja2's lexer consumes them ({@code {{+ x }}} included).
 */
final class BlockWhitespace {
  private BlockWhitespace() {}

  static List<Segment> apply(List<Segment> in) {
    List<Segment> out = new ArrayList<>(in.size());
    boolean lineStarting = true; // jinja2's line_starting: the last match ended with a newline
    for (int i = 0; i < in.size(); i++) {
      Segment g = in.get(i);
      if (g.isTag()) {
        out.add(g.withSigns(g.left() == '+' ? 0 : g.left(), g.right() == '+' ? 0 : g.right()));
        lineStarting = false;
        continue;
      }
      String text = g.body();
      Segment previous = i > 0 ? in.get(i - 1) : null;
      if (g.kind() == Kind.DATA && trims(previous) && text.startsWith("\n")) {
        text = text.substring(1);
        lineStarting = true;
      }
      Segment next = i + 1 < in.size() ? in.get(i + 1) : null;
      if (next != null && lstrips(next)) {
        int line = text.lastIndexOf('\n') + 1;
        if ((line > 0 || lineStarting) && line < text.length() && allSpace(text, line)) {
          text = text.substring(0, line);
        }
      }
      out.add(g.withBody(text));
    }
    return out;
  }

  /** A tag after which jinja2 drops one newline. */
  private static boolean trims(Segment tag) {
    return tag != null && tag.right() == 0 && !tag.close().isEmpty()
        && (tag.kind() == Kind.BLOCK || tag.kind() == Kind.COMMENT || tag.kind() == Kind.RAW_END);
  }

  /** A tag before which jinja2 strips the line's leading whitespace. */
  private static boolean lstrips(Segment tag) {
    return tag.left() == 0 && (tag.kind() == Kind.BLOCK || tag.kind() == Kind.COMMENT || tag.kind() == Kind.RAW_BEGIN
        || tag.kind() == Kind.RAW_END);
  }

  private static boolean allSpace(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (!PyStrings.isSpace(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
