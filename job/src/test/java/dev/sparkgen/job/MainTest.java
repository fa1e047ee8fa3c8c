package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end on the demo settings (conf/sparkgen.properties), as job/bin/sparkgen runs it. */
class MainTest {
  @TempDir Path tmp;

  @Test
  void demoSettingsRunToParquetAndAnExistingOutputIsRefused() throws Exception {
    Path output = tmp.resolve("run");
    String[] args = {"generate", "--conf", "../conf/sparkgen.properties", "--output=" + output, "--max_new_tokens=2",
        "--master=local[2]"};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(Main.OK, code, err.toString(StandardCharsets.UTF_8));
    JsonObject summary = JsonParser.parseString(Files.readString(output.resolve("_summary.json"))).getAsJsonObject();
    long prompts = Files.readAllLines(Path.of("../conf/demo/prompts.jsonl")).stream().filter(l -> !l.isBlank()).count();
    assertEquals(prompts, summary.get("rows_in").getAsLong());
    assertEquals(prompts, summary.get("rows_out").getAsLong());
    assertEquals(0, summary.get("errors").getAsLong());
    long generated = summary.get("generated_tokens").getAsLong();
    assertTrue(generated >= prompts && generated <= 2 * prompts, "generated " + generated); // 1 or 2 per prompt
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("output " + output), out.toString(StandardCharsets.UTF_8));

    ByteArrayOutputStream err2 = new ByteArrayOutputStream();
    assertEquals(Main.BAD_SETUP, Main.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err2, true,
        StandardCharsets.UTF_8)));
    assertTrue(err2.toString(StandardCharsets.UTF_8).contains("already exists"), err2.toString(StandardCharsets.UTF_8));
  }
}
