package dev.sparkgen.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the chat-template fixtures (test resources {@code chat-templates/}, copied from
 * the project's shared reference renderings; see its README): real templates of nine instruct
 * model families, rendered by Python jinja2 in transformers' environment. Each must render byte for
 * byte the same, or fail with the template's exact {@code raise_exception} message.
 */
class ChatTemplateCasesTest {
  static final Path ROOT = Paths.get("src/test/resources/chat-templates");

  record Case(String model, String name, Map<String, Object> json) {
    @Override
    public String toString() {
      return model + "/" + name;
    }
  }

  static Stream<Arguments> cases() throws IOException {
    List<Arguments> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(ROOT)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) JsonValues.parse(Files.readString(dir.resolve("cases.json")));
        for (Map<String, Object> c : cases) {
          out.add(Arguments.of(new Case(dir.getFileName().toString(), (String) c.get("name"), c)));
        }
      }
    }
    return out.stream();
  }

  /**
   * More conversations over the same templates, rendered by the same reference environment
   * ({@code chat-templates-extra/generate.py}): Unicode spaces under trim, template-looking text,
   * tool calls in every shape, floats in tojson, long and unusual conversations.
   */
  @SuppressWarnings("unchecked")
  static Stream<Arguments> extraCases() throws IOException {
    List<Map<String, Object>> cases = (List<Map<String, Object>>) JsonValues.parse(Files.readString(EXTRA));
    return cases.stream().map(c -> Arguments.of(new Case((String) c.get("model"), (String) c.get("name"), c)));
  }

  static final Path EXTRA = Paths.get("src/test/resources/chat-templates-extra/cases.json");

  @Test
  void theFixturesAreAllThere() throws IOException {
    assertEquals(200, cases().count(), "the README promises 200 visible cases");
    assertEquals(330, extraCases().count());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rendersAsJinja2(Case c) {
    check(c);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("extraCases")
  void rendersExtraCasesAsJinja2(Case c) {
    check(c);
  }

  @SuppressWarnings("unchecked")
  private static void check(Case c) {
    Path dir = ROOT.resolve(c.model());
    Clock clock = c.json().containsKey("clock")
        ? Clock.fixed(LocalDateTime.parse((String) c.json().get("clock")).toInstant(ZoneOffset.UTC), ZoneOffset.UTC)
        : Clock.systemDefaultZone();
    ModelChatTemplate template = ModelChatTemplate.load(dir, null, clock);
    List<Map<String, Object>> messages = (List<Map<String, Object>>) c.json().get("messages");
    boolean agp = (Boolean) c.json().get("add_generation_prompt");
    Map<String, Object> extra = new LinkedHashMap<>((Map<String, Object>) c.json().get("extra"));
    if (c.json().containsKey("expected")) {
      assertEquals(c.json().get("expected"), template.apply(messages, agp, extra), c.toString());
    } else {
      ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template.apply(messages, agp, extra));
      assertEquals(c.json().get("error"), e.getMessage());
      assertTrue(e.raisedByTemplate());
    }
  }
}
