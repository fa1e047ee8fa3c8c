package dev.sparkgen.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code sparkgen report}'s arguments: --help exits 0, both option forms, clear refusals; no Spark started. */
class ReportCommandLineTest {

  @Test
  void helpListsTheKeysAndExitsZero() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = DegenerationReport.run(new String[] {"--model=x", "--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream()));
    assertEquals(0, code);
    String help = out.toString(StandardCharsets.UTF_8);
    assertTrue(help.startsWith("Usage: sparkgen report"), help);
    for (String key : ReportSettings.DEFAULTS.keySet()) {
      assertTrue(help.contains("--" + key + "="), key);
    }
  }

  @Test
  void optionsTakeEitherFormAndMistakesAreNamed() throws Exception {
    ReportSettings s = ReportSettings.parse("--seed", "7", "--prompts=12", "--master", "local[1]");
    assertEquals(7, s.seed());
    assertEquals(12, s.prompts());
    assertEquals("local[1]", s.master());
    IllegalArgumentException typo = assertThrows(IllegalArgumentException.class, () -> ReportSettings.parse("--sed=3"));
    assertTrue(typo.getMessage().contains("did you mean 'seed'"), typo.getMessage());
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(2, DegenerationReport.run(new String[] {"--prompts"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("'--prompts' needs a value"), err.toString(StandardCharsets.UTF_8));
  }
}
