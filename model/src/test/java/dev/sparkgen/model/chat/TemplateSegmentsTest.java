package dev.sparkgen.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.chat.TemplateSegments.Kind;
import dev.sparkgen.model.chat.TemplateSegments.Segment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Cutting a template where jinja2's lexer cuts it loses nothing, and cuts where jinja2 does
 * (the renderings that depend on it are in {@link JinjaSemanticsTest}: lstrip, trim, {@code +}
 * signs, raw blocks, {@code }}} in expressions).
 */
class TemplateSegmentsTest {

  @Test
  void cuttingAndJoiningGivesTheSourceBackForEveryTemplateAndRandomText() throws IOException {
    List<String> sources = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(ChatTemplateCasesTest.ROOT)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        sources.add(ModelChatTemplate.load(dir, null).template().source());
      }
    }
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> cases = (List<Map<String, Object>>) JinjaSemanticsTest.fixture().get("cases");
    cases.forEach(c -> sources.add((String) c.get("template")));
    List<String> fragments = List.of("{{", "}}", "{%", "%}", "{#", "#}", "{", "}", "'", "\"", "\\", "-", "+", " raw ",
        " endraw ", "x", "\n", " ", "[", "]", "(", ")");
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < 3000; i++) {
      StringBuilder s = new StringBuilder();
      for (int k = r.nextInt(15); k > 0; k--) {
        s.append(fragments.get(r.nextInt(fragments.size())));
      }
      sources.add(s.toString());
    }
    for (String s : sources) {
      assertEquals(s, TemplateSegments.join(TemplateSegments.cut(s)), s);
    }
    assertTrue(sources.size() > 3000);
  }

  @Test
  void anExpressionEndsOnlyWhereItsBracketsAreBalancedAndOutsideStrings() {
    List<Segment> s = TemplateSegments.cut("a{{ {'j': {}}|length }}b{{ '}}' -}}c{% if x +%}d{#- n #}{% raw %}{{ %}{%- endraw %}");
    assertEquals(List.of(Kind.DATA, Kind.VARIABLE, Kind.DATA, Kind.VARIABLE, Kind.DATA, Kind.BLOCK, Kind.DATA,
        Kind.COMMENT, Kind.RAW_BEGIN, Kind.RAW_DATA, Kind.RAW_END), s.stream().map(Segment::kind).toList());
    assertEquals(" {'j': {}}|length ", s.get(1).body());
    assertEquals(" '}}' ", s.get(3).body());
    assertEquals('-', s.get(3).right());
    assertEquals('+', s.get(5).right());
    assertEquals('-', s.get(7).left());
    assertEquals("{{ %}", s.get(9).body());
    assertEquals('-', s.get(10).left());
  }

  @Test
  void anUnclosedTagIsPassedOnForJinjavaToReport() {
    List<Segment> s = TemplateSegments.cut("a{{ b ");
    assertEquals(Kind.VARIABLE, s.get(1).kind());
    assertEquals("", s.get(1).close());
    ChatTemplateException e = org.junit.jupiter.api.Assertions.assertThrows(ChatTemplateException.class,
        () -> ChatTemplate.compile("a{% if x %}b{{ c ", "t.jinja").render(Map.of("x", true)));
    assertTrue(e.getMessage().contains("t.jinja"), e.getMessage());
  }
}
