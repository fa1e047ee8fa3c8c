package dev.sparkgen.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One Jinja/Python rule per template ({@code chat-templates-extra/semantics.py}), each rendered by
 * Python jinja2 in transformers' environment; the renderer must print the same, or fail where
 * jinja2 fails (with the same message for raise_exception and Python's TypeError text for {@code +}).
 */
class JinjaSemanticsTest {
  static final Path FILE = Paths.get("src/test/resources/chat-templates-extra/semantics.json");

  @SuppressWarnings("unchecked")
  static Map<String, Object> fixture() throws IOException {
    return (Map<String, Object>) JsonValues.parse(Files.readString(FILE));
  }

  @SuppressWarnings("unchecked")
  static Stream<Arguments> cases() throws IOException {
    return ((List<Map<String, Object>>) fixture().get("cases")).stream().map(c -> Arguments.of(c.get("name"), c));
  }

  /**
   * Jinjava has one null for Python's None and jinja2's Undefined, from its expression language up:
   * None prints as Undefined does (empty, also after {@code ~}), is not "defined", takes
   * {@code default(...)}, and {@code undefined is none} is true. Telling them apart would need a
   * value for Undefined through every Jinjava resolver, operator, filter and test; the nine real
   * templates never print or test a None that way (they check {@code is none} / {@code is defined}
   * on values where both agree).
   */
  static final String NONE_IS_UNDEFINED = "Jinjava has one null for Python's None and jinja2's Undefined";

  /**
   * Where the renderer still differs from jinja2, and why; these cases are reported as skipped
   * (README, "Chat templates": known differences).
   */
  static final Map<String, String> KNOWN_DIFFERENCES = Map.of(
      "none_prints_none", NONE_IS_UNDEFINED,
      "none_is_not_undefined", NONE_IS_UNDEFINED);


  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  @SuppressWarnings("unchecked")
  void rendersAsJinja2(String name, Map<String, Object> c) throws IOException {
    Assumptions.assumeFalse(KNOWN_DIFFERENCES.containsKey(name), () -> "known difference: " + KNOWN_DIFFERENCES.get(name));
    Map<String, Object> fixture = fixture();
    Clock clock = Clock.fixed(LocalDateTime.parse((String) fixture.get("clock")).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    ChatTemplate template = ChatTemplate.compile((String) c.get("template"), name, clock);
    Map<String, Object> variables = (Map<String, Object>) fixture.get("variables");
    if (c.containsKey("expected")) {
      assertEquals(c.get("expected"), template.render(variables));
    } else {
      ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template.render(variables));
      if (c.get("error_type").equals("TemplateError")) {
        assertEquals(c.get("error"), e.getMessage());
        assertTrue(e.raisedByTemplate());
      } else {
        assertTrue(e.getMessage().contains((String) c.get("error")), e.getMessage());
        assertFalse(e.raisedByTemplate());
      }
    }
  }

  @Test
  void aBrokenTemplateFailsWhenParsedAndNamesItsOrigin() {
    ChatTemplateException e = assertThrows(ChatTemplateException.class,
        () -> ChatTemplate.compile("{% for m in messages %}{{ m }}", "my-template.jinja"));
    assertTrue(e.getMessage().contains("my-template.jinja"), e.getMessage());
  }

  @Test
  void aRenderLeavesNothingForTheNextOne() {
    ChatTemplate t = ChatTemplate.compile("{% if fail %}{{ raise_exception('no ' ~ x) }}{% endif %}{% set y = x %}"
        + "{% macro m() %}M{% endmacro %}{{ y }}{{ z }}{{ m() }}", "t");
    assertEquals("aM", t.render(Map.of("x", "a", "fail", false)));
    ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(Map.of("x", "b", "fail", true)));
    assertEquals("no b", e.getMessage());
    assertEquals("bZM", t.render(Map.of("x", "b", "fail", false, "z", "Z")));
    assertThrows(ChatTemplateException.class, () -> ChatTemplate.compile("{{ 'a' + 1 }}", "u").render(Map.of()));
    assertEquals("cM", t.render(Map.of("x", "c", "fail", false)), "no y, z or error left from earlier renders");
  }

  @Test
  void renderingIsThreadSafe() throws Exception {
    ChatTemplate template = ChatTemplate.compile(
        "{% for m in messages %}{{ m.role }}:{{ m.content|trim }}{% if loop.last %}!{% endif %};{% endfor %}", "t");
    List<Map<String, Object>> expectedInputs = new java.util.ArrayList<>();
    for (int i = 0; i < 64; i++) {
      expectedInputs.add(Map.of("messages", List.of(Map.of("role", "user", "content", " q" + i + " "),
          Map.of("role", "assistant", "content", "a" + i))));
    }
    List<String> serial = expectedInputs.stream().map(template::render).toList();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 20; round++) {
        List<java.util.concurrent.Future<String>> futures = new java.util.ArrayList<>();
        for (Map<String, Object> v : expectedInputs) {
          futures.add(pool.submit(() -> template.render(v)));
        }
        for (int i = 0; i < futures.size(); i++) {
          assertEquals(serial.get(i), futures.get(i).get());
        }
      }
    } finally {
      pool.shutdown();
    }
    assertEquals("user:q0;assistant:a0!;", serial.get(0));
  }
}
