package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.config.CommandLine;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.config.Key;
import dev.sparkgen.job.config.Keys;
import dev.sparkgen.job.config.Suggestions;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command-line rules: precedence, unknown keys, bad values, --help, exit codes; no Spark involved. */
class CommandLineTest {
  @TempDir Path tmp;

  private Path conf(String text) throws Exception {
    Path f = tmp.resolve("job.properties");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void commandLineBeatsFileBeatsBuiltInDefaults() throws Exception {
    Path f = conf("batch_size=4\npartitions=3\nmax_new_tokens=7\ninput=prompts.jsonl\n");
    JobConfig c = CommandLine.parse("generate", "--conf", f.toString(), "--batch_size=16", "--top_k=5").config();
    assertEquals(16, c.batchSize()); // command line over file
    assertEquals(3, c.partitions()); // file over default
    assertEquals("prompt", c.promptColumn()); // built-in default
    assertEquals(JobConfig.WriteMode.ERROR, c.mode());
    assertEquals(Map.of("max_new_tokens", "7", "top_k", "5"), c.generation()); // only the keys that were set
    // relative paths in a file are resolved against the file's folder
    assertEquals(tmp.resolve("prompts.jsonl").toString(), c.input());
  }

  @Test
  void relativePathsOnTheCommandLineStayAsGiven() throws Exception {
    JobConfig c = CommandLine.parse("generate", "--conf=" + conf("input=a.json"), "--input=b.json").config();
    assertEquals("b.json", c.input());
  }

  @Test
  void unknownKeySuggestsTheNearestKnownOne() throws Exception {
    ConfigException cli = assertThrows(ConfigException.class, () -> CommandLine.parse("generate", "--max_new_token=5"));
    assertTrue(cli.getMessage().contains("unknown key 'max_new_token'"), cli.getMessage());
    assertTrue(cli.getMessage().contains("did you mean 'max_new_tokens'"), cli.getMessage());
    Path props = conf("batchsize=3");
    ConfigException file = assertThrows(ConfigException.class,
        () -> CommandLine.parse("generate", "--conf", props.toString()));
    // the file is named: with several properties files about, "the properties file" is not enough
    assertTrue(file.getMessage().contains("'batchsize' in the properties file " + props + "; did you mean 'batch_size'"),
        file.getMessage());
    assertEquals("temperature", Suggestions.nearest("temprature", Keys.names()));
    assertNull(Suggestions.nearest("completely_unrelated_words", Keys.names()));
  }

  @Test
  void badValuesNameTheKeyAndTheValue() {
    assertMessage("batch_size='many': must be auto or an integer >= 1", "--batch_size=many");
    assertMessage("batch_size=0: must be >= 1", "--batch_size=0");
    assertMessage("mode='append': must be one of error, overwrite", "--mode=append");
    assertMessage("output_format='csv': must be one of parquet, json", "--output_format=csv");
    assertMessage("cannot read argument 'max_new_tokens'", "max_new_tokens");
  }

  @Test
  void badGenerationValuesAreRefusedWithKeyAndValueBeforeSparkStarts() {
    JobConfig c = CommandLine.parse("generate", "--top_p=1.5").config();
    ConfigException e = assertThrows(ConfigException.class, () -> ResolvedModel.resolve(c));
    assertTrue(e.getMessage().contains("top_p") && e.getMessage().contains("1.5"), e.getMessage());
    JobConfig greedyTwo = CommandLine.parse("generate", "--num_return_sequences=2").config();
    ConfigException cross = assertThrows(ConfigException.class, () -> ResolvedModel.resolve(greedyTwo));
    assertTrue(cross.getMessage().startsWith("invalid generation setting num_return_sequences=2"), cross.getMessage());
  }

  private static void assertMessage(String expected, String arg) {
    ConfigException e = assertThrows(ConfigException.class, () -> CommandLine.parse("generate", arg));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void helpListsEveryKeyWithItsDefault() {
    String help = Keys.help();
    for (Key k : Keys.all()) {
      assertTrue(help.contains("--" + k.name() + (k.prefix() ? "<name>=" : "=")), k.name());
    }
    assertTrue(help.contains("--batch_size=<auto | integer >= 1> (default: auto)"), help);
    assertTrue(help.contains("--max_new_tokens=<integer >= 1> (default: the model's, else 20)"), help);
    assertTrue(CommandLine.parse("generate", "--help").help());
  }

  @Test
  void optionsTakeTheirValueAfterAnEqualsSignOrAsTheNextArgument() throws Exception {
    Path f = conf("batch_size=4\nmax_new_tokens=7\n");
    JobConfig c = CommandLine.parse("generate", "--conf", f.toString(), "--batch_size", "16", "--top_k=5",
        "--stop", "###", "--input", "a b.json").config();
    assertEquals(16, c.batchSize());
    assertEquals("a b.json", c.input());
    assertEquals(Map.of("max_new_tokens", "7", "top_k", "5", "stop", "###"), c.generation());
    assertMessage("'--batch_size' needs a value: --batch_size=VALUE or --batch_size VALUE", "--batch_size");
    // A stop string keeps its white space (a leading space, or only newlines); other values are trimmed.
    assertEquals(" t40", CommandLine.parse("generate", "--stop", " t40").config().generation().get("stop"));
    assertEquals("\n\n", CommandLine.parse("generate", "--stop=\n\n").config().generation().get("stop"));
    assertEquals("7", CommandLine.parse("generate", "--max_new_tokens= 7 ").config().generation().get("max_new_tokens"));
    assertEquals("x ", CommandLine.parse("generate", "--conf", conf("stop=x \n").toString()).config().generation()
        .get("stop"));
    ConfigException next = assertThrows(ConfigException.class,
        () -> CommandLine.parse("generate", "--batch_size", "--top_k=5"));
    assertTrue(next.getMessage().contains("'--batch_size' needs a value"), next.getMessage());
  }

  @Test
  void helpShowsTheValuesThatReallyApplyAndNamesTheReportCommand() throws Exception {
    String plain = Keys.help();
    assertTrue(plain.contains("sparkgen report"), plain);
    assertTrue(plain.contains("with no arguments runs the demo"), plain);
    Path f = conf("max_new_tokens=7\ntemperature=0.8\n");
    CommandLine cl = CommandLine.parse("generate", "--conf", f.toString(), "--batch_size", "3", "--help");
    assertTrue(cl.help());
    String help = Keys.help(cl.set());
    assertTrue(help.contains("--max_new_tokens=<integer >= 1> (set: 7; default: the model's, else 20)"), help);
    assertTrue(help.contains("--temperature=<number > 0> (set: 0.8; default: the model's, else 1.0)"), help);
    assertTrue(help.contains("--batch_size=<auto | integer >= 1> (set: 3; default: auto)"), help);
    assertTrue(help.contains("--top_p=<number in (0, 1]> (default: the model's, else 1.0)"), help); // not set
    ConfigException e = assertThrows(ConfigException.class, () -> CommandLine.parse("frobnicate"));
    assertTrue(e.getMessage().contains("expected the command 'generate' or 'report' first, got 'frobnicate'"),
        e.getMessage());
  }

  @Test
  void readerOptionsPassThroughUnderTheirPrefixAndTheNewKeysAreChecked() throws Exception {
    JobConfig c = CommandLine.parse("generate", "--input_option.sep=;", "--input_option.encoding", "ISO-8859-1",
        "--conf", conf("input_option.comment=#\n").toString()).config();
    assertEquals(Map.of("sep", ";", "encoding", "ISO-8859-1", "comment", "#"), c.inputOptions());
    assertEquals(";", c.with(Map.of()).inputOptions().get("sep")); // survives asMap()
    ConfigException typo = assertThrows(ConfigException.class, () -> CommandLine.parse("generate", "--input_options.sep=;"));
    assertTrue(typo.getMessage().contains("did you mean 'input_option.'"), typo.getMessage());
    assertThrows(ConfigException.class, () -> CommandLine.parse("generate", "--input_option.=x"));
    JobConfig defaults = CommandLine.parse("generate").config();
    assertTrue(defaults.addSpecialTokens());
    assertNull(defaults.skipBlank());
    assertTrue(defaults.skipsBlank(JobConfig.InputFormat.TEXT));
    assertTrue(!defaults.skipsBlank(JobConfig.InputFormat.JSON));
    assertNull(defaults.sparkUi());
    JobConfig set = CommandLine.parse("generate", "--add_special_tokens=false", "--skip_blank=false", "--spark_ui=true")
        .config();
    assertTrue(!set.addSpecialTokens() && !set.skipsBlank(JobConfig.InputFormat.TEXT) && set.sparkUi());
    assertMessage("add_special_tokens='maybe': must be true or false", "--add_special_tokens=maybe");
  }

  @Test
  void theDemoSettingsFileNamesTheDemoModelsEos() throws Exception {
    String eos = com.google.gson.JsonParser.parseString(Files.readString(Path.of("../model/demo/fortunes-gpt2/config.json")))
        .getAsJsonObject().get("eos_token_id").getAsString();
    assertTrue(Files.readAllLines(Path.of("../conf/sparkgen.properties")).contains("#eos_token_id=" + eos), eos);
  }

  @Test
  void exitCodesTellSettingsFromSetupProblems() {
    assertEquals(Main.OK, run("--help"));
    assertEquals(Main.OK, run("generate", "--max_new_tokens", "3", "--help"));
    assertEquals(Main.BAD_SETTINGS, run("generate", "--nope=1"));
    assertEquals(Main.BAD_SETTINGS, run("generate", "--batch_size=x"));
    assertEquals(Main.BAD_SETTINGS, run("generate", "--output=" + tmp.resolve("o"))); // no input
    assertEquals(Main.BAD_SETTINGS, run("frobnicate"));
    assertEquals(Main.BAD_SETUP, run("generate", "--input=x.json", "--output=" + tmp.resolve("o"),
        "--model=" + tmp.resolve("no-such-model")));
    assertEquals(Main.BAD_SETUP, run("generate", "--input=x.json", "--output=" + tmp.resolve("o"),
        "--tokenizer=" + tmp.resolve("no-such-tokenizer.json")));
  }

  private static int run(String... args) {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(sink, true, StandardCharsets.UTF_8);
    return Main.run(args, ps, ps);
  }
}
