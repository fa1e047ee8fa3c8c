package dev.sparkgen.model.chat;

import dev.sparkgen.model.chat.TemplateSegments.Kind;
import dev.sparkgen.model.chat.TemplateSegments.Segment;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a {@code }}} inside an expression's brackets from ending the expression.
 *
 * <p>Why: Jinjava's tag scanner ends {@code {{ ... }}} at the first {@code }}} outside quotes, so
 * {@code {{ {'j': {}}|length }}} was cut after {@code {'j': {}}} and failed to parse. jinja2's
 * lexer matches the end of an expression only while its brackets are balanced
 * ({@code balancing_stack} in {@code jinja2/lexer.py}); inside them {@code }}} is two closing
 * braces. {@link TemplateSegments} cuts the expression where jinja2 does; here each {@code }}}
 * left inside its body gets a space between the braces, which the expression parser ignores, and
 * so does a body that ends with a brace ({@code {{ {'a': 1}}}}). The body's string literals are
 * left alone (a {@code }}} in a string is text).
 */
final class ExpressionBraces {
  private ExpressionBraces() {}

  static List<Segment> apply(List<Segment> in) {
    List<Segment> out = new ArrayList<>(in.size());
    for (Segment g : in) {
      if (g.kind() != Kind.VARIABLE) {
        out.add(g);
        continue;
      }
      String body = g.body().contains("}}") ? separate(g.body()) : g.body();
      if (body.endsWith("}") && g.right() == 0 && !g.close().isEmpty()) {
        body += " "; // {{ {'a': 1}}}: the dict's brace and the closer would read as }} too early
      }
      out.add(g.withBody(body));
    }
    return out;
  }

  private static String separate(String body) {
    StringBuilder s = new StringBuilder(body.length() + 4);
    char quote = 0;
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      s.append(c);
      if (quote != 0) {
        if (c == '\\' && i + 1 < body.length()) {
          s.append(body.charAt(++i));
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '}' && i + 1 < body.length() && body.charAt(i + 1) == '}') {
        s.append(' ');
      }
    }
    return s.toString();
  }
}
