package dev.sparkgen.model.chat;

import dev.sparkgen.model.chat.TemplateSegments.Kind;
import dev.sparkgen.model.chat.TemplateSegments.Segment;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code -} signs of {@code {% raw %}} and {@code {% endraw %}}, applied to the text around them
 * as jinja2's lexer applies them, so that Jinjava sees the raw tags without signs.
 *
 * <p>Why: Jinjava's scanner ends a raw block only at {@code {%} followed by spaces and
 * {@code endraw}, so {@code {%- endraw %}} was not the end and the template failed to parse
 * ("Missing end tag: endraw"). jinja2 ({@code jinja2/lexer.py}, rules {@code raw_begin} and its
 * end): {@code {%- raw} strips the whitespace before it ({@code text.rstrip()}); {@code raw -%}}
 * the whitespace at the start of the raw text ({@code -%}\s*}); {@code {%- endraw} the whitespace at
 * its end; {@code endraw -%}} the whitespace after it. Python's whitespace ({@code str.isspace}).
 * Runs before {@link BlockWhitespace}, which then finds no whitespace left where a sign was.
 */
final class RawBlocks {
  private RawBlocks() {}

  static List<Segment> apply(List<Segment> in) {
    List<Segment> out = new ArrayList<>(in);
    for (int i = 0; i < out.size(); i++) {
      Segment g = out.get(i);
      if (g.kind() != Kind.RAW_BEGIN && g.kind() != Kind.RAW_END) {
        continue;
      }
      if (g.left() == '-' && i > 0 && !out.get(i - 1).isTag()) {
        out.set(i - 1, out.get(i - 1).withBody(PyStrings.rstrip(out.get(i - 1).body(), null)));
      }
      if (g.right() == '-' && i + 1 < out.size() && !out.get(i + 1).isTag()) {
        out.set(i + 1, out.get(i + 1).withBody(PyStrings.lstrip(out.get(i + 1).body(), null)));
      }
      out.set(i, g.withSigns(g.left() == '-' ? 0 : g.left(), g.right() == '-' ? 0 : g.right()));
    }
    return out;
  }
}
