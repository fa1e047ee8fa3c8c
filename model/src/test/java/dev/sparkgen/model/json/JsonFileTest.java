package dev.sparkgen.model.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and sloppy JSON files give one line naming the file (and key), never a parser's class
 * name, a stack trace or a library's troubleshooting link; typed accessors check type and range.
 */
class JsonFileTest {
  @TempDir Path dir;

  // ---- files that are not JSON ----

  @Test
  void textThatIsNotJsonNamesTheFileAndThePosition() throws IOException {
    Path f = write("config.json", "{\"a\": 1,\n \"b\": }");
    String m = failure(f);
    assertTrue(m.startsWith(f + ": not valid JSON: "), m);
    assertTrue(m.contains("line 2 column"), m);
  }

  @Test
  void lenientJsonIsRefusedInPlainWords() throws IOException {
    for (String text : new String[] {"{'a': 1}", "{a: 1}", "{\"a\": NaN}", "{\"a\": 1,}", "{\"a\": 1} // note"}) {
      String m = failure(write("c.json", text));
      assertTrue(m.contains("not valid JSON"), text + " -> " + m);
      assertFalse(m.contains("setStrictness") || m.contains("setLenient") || m.contains("JsonReader"), m);
    }
  }

  @Test
  void nesting100000LevelsDeepIsRefusedWithoutAStackOverflow() throws IOException {
    Path f = write("config.json", "[".repeat(100_000) + "]".repeat(100_000));
    assertEquals(f + ": not valid JSON: nested more than 100 levels deep at line 1 column 102", failure(f));
    Path g = write("deep.json", "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000));
    assertTrue(failure(g).startsWith(g + ": not valid JSON: nested more than 100 levels deep"), failure(g));
  }

  @Test
  void emptyTrailingAndNonObjectFilesAreRefused() throws IOException {
    assertEquals(dir.resolve("e.json") + ": not valid JSON: the file is empty", failure(write("e.json", "  \n")));
    assertTrue(failure(write("t.json", "{} {}")).contains("not valid JSON: malformed JSON"));
    assertEquals(dir.resolve("a.json") + ": expected a JSON object ({...}) at the top level, got an array",
        failure(write("a.json", "[1, 2]")));
  }

  @Test
  void bytesThatAreNotUtf8AreRefused() throws IOException {
    Path f = dir.resolve("bin.json");
    Files.write(f, new byte[] {'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'});
    assertEquals(f + ": not valid JSON: the file is not UTF-8 text", failure(f));
  }

  @Test
  void aByteOrderMarkIsAccepted() throws IOException {
    assertEquals(3, JsonFile.readObject(write("bom.json", "\uFEFF{\"n\": 3}")).integer("n", 0, 10));
  }

  @Test
  void filesOverTheLimitAreRefusedBeforeReading() throws IOException {
    Path f = write("big.json", "{\"a\": \"" + "x".repeat(2000) + "\"}");
    JsonValueException e = assertThrows(JsonValueException.class, () -> JsonFile.readObject(f, 1000));
    assertEquals(f + ": 2009 bytes is more than the limit of 1000 bytes for this file", e.getMessage());
  }

  @Test
  void missingFileIsNamed() {
    Path f = dir.resolve("nope.json");
    assertEquals(f + ": file does not exist", failure(f));
  }

  @Test
  void exponentBeyondRangeIsRefusedAtItsPosition() throws IOException {
    Path f = write("x.json", "{\"a\": 1e99999999999}");
    assertTrue(failure(f).startsWith(f + ": number 1e99999999999 is out of range at line 1 column"), failure(f));
  }

  // ---- typed values ----

  @Test
  void integersAreCheckedExactlyAndInRange() {
    JsonFields j = JsonFile.parseObject("{\"a\": 2.5, \"b\": 1e30, \"c\": \"7\", \"d\": 4.0, \"e\": -3, \"f\": 1e999999999,"
        + " \"g\": 4000000000}", "cfg.json");
    assertEquals("cfg.json: key 'a' must be an integer >= 1, got 2.5", error(() -> j.integer("a", 1, Integer.MAX_VALUE)));
    assertEquals("cfg.json: key 'b' must be an integer >= 1, got 1E+30", error(() -> j.integer("b", 1, Integer.MAX_VALUE)));
    assertEquals("cfg.json: key 'c' must be an integer in [0, 10], got \"7\"", error(() -> j.integer("c", 0, 10)));
    assertEquals(4, j.integer("d", 1, 10));
    assertEquals("cfg.json: key 'e' must be an integer >= 0, got -3", error(() -> j.integer("e", 0, Integer.MAX_VALUE)));
    assertTrue(error(() -> j.integer("f", 0, Integer.MAX_VALUE)).startsWith("cfg.json: key 'f' must be an integer"));
    assertEquals("cfg.json: key 'g' must be an integer >= 1, got 4000000000",
        error(() -> j.integer("g", 1, Integer.MAX_VALUE)));
    assertEquals("cfg.json: missing key 'h'", error(() -> j.integer("h", 1, 2)));
    assertEquals(9, j.integer("h", 9, 1, 10));
  }

  @Test
  void numbersBooleansStringsAndListsAreTyped() {
    JsonFields j = JsonFile.parseObject("{\"x\": true, \"y\": \"no\", \"z\": [1, 2.5], \"w\": [1, \"a\"], \"v\": null,"
        + " \"u\": 1e400, \"eos\": [2, 3], \"one\": 5, \"s\": 4}", "g.json");
    assertEquals("g.json: key 'x' must be a number, got true", error(() -> j.number("x", 0)));
    assertEquals("g.json: key 'y' must be true or false, got \"no\"", error(() -> j.bool("y", false)));
    assertEquals(List.of(1.0, 2.5), j.numbers("z"));
    assertEquals("g.json: key 'w[1]' must be a number, got \"a\"", error(() -> j.numbers("w")));
    assertNull(j.optionalNumber("v"));
    assertEquals(7.0, j.number("v", 7.0), "null is the same as absent");
    assertEquals("g.json: key 'u' must be a finite number, got 1E+400", error(() -> j.number("u", 0)));
    assertEquals(List.of(2, 3), j.integers("eos", 0, 10));
    assertEquals(List.of(5), j.integers("one", 0, 10));
    assertEquals("g.json: key 's' must be a string, got 4", error(() -> j.string("s")));
  }

  @Test
  void nestedKeysAreNamedByTheirPath() {
    JsonFields j = JsonFile.parseObject("{\"rope_scaling\": {\"factor\": \"x\", \"inner\": {\"k\": []}}}", "c.json");
    JsonFields rope = j.optionalObject("rope_scaling");
    assertEquals("c.json: key 'rope_scaling.factor' must be a number, got \"x\"", error(() -> rope.number("factor", 1)));
    assertEquals("c.json: key 'rope_scaling.inner.k' must be an integer >= 0, got []",
        error(() -> rope.optionalObject("inner").integer("k", 0, Integer.MAX_VALUE)));
    assertEquals("c.json: key 'rope_scaling' must be an object ({...}) or null, got 3",
        error(() -> JsonFile.parseObject("{\"rope_scaling\": 3}", "c.json").optionalObject("rope_scaling")));
  }

  @Test
  void unreadKeysAreTrackedAndTheLastDuplicateWins() {
    JsonFields j = JsonFile.parseObject("{\"a\": 1, \"b\": 2, \"c\": null, \"a\": 3}", "d.json");
    assertEquals(3, j.integer("a", 0, 10), "last duplicate wins, as in Python's json");
    assertEquals(Set.of("b"), j.unread(), "null values count as not given");
  }

  @Test
  void longValuesAreShortenedInMessages() {
    JsonFields j = JsonFile.parseObject("{\"a\": \"" + "y".repeat(500) + "\"}", "l.json");
    String m = error(() -> j.integer("a", 0, 1));
    assertTrue(m.length() < 200 && m.endsWith("..."), m);
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  private static String failure(Path f) {
    String m = assertThrows(JsonValueException.class, () -> JsonFile.readObject(f)).getMessage();
    assertEquals(1, m.lines().count(), m);
    assertFalse(m.contains("Exception") || m.contains("https://") || m.toLowerCase().contains("gson"), m);
    return m;
  }

  private static String error(Runnable r) {
    return assertThrows(JsonValueException.class, r::run).getMessage();
  }
}
