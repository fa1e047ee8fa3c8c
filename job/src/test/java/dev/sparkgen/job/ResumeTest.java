package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.job.config.CommandLine;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.resume.OutputLock;
import dev.sparkgen.job.resume.SliceManifest;
import dev.sparkgen.job.resume.SlicedOutput;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * mode=resume: a driver JVM killed with SIGKILL after some slices are committed, then the same
 * command again: the output equals a clean run's row for row (no duplicates, no gaps, every column
 * equal), and the rows committed before the kill were not generated again; a resume with other
 * settings, or onto an output not written by mode=resume, is refused naming what differs.
 */
class ResumeTest {
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]");
  @TempDir Path tmp;

  private static final int ROWS = 24;
  private static final int SLICES = 3;

  /** 24 prompts of the golden GPT-2's ids; every third row has no id (keyed by its line), some are bad. */
  private Path input() throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      String ids = "[" + (i % 60) + ", " + ((i * 7) % 60) + ", " + ((i * 13) % 60) + "]";
      String id = i % 3 == 2 ? "" : "\"id\": " + (1000 + i) + ", ";
      lines.add(i == 17 ? "{\"id\": 17, \"prompt_ids\": [99]}" : "{" + id + "\"prompt_ids\": " + ids + "}");
    }
    Path in = tmp.resolve("in.jsonl");
    Files.write(in, lines);
    return in;
  }

  private static List<String> args(Path input, Path output, String mode, String... more) {
    List<String> a = new ArrayList<>(List.of("generate", "--model=" + TestSpark.GPT2_TINY, "--tokenizer=",
        "--input=" + input, "--output=" + output, "--mode=" + mode, "--slices=" + SLICES, "--master=local[2]",
        "--do_sample=true", "--seed=11", "--max_new_tokens=8", "--num_return_sequences=2", "--batch_size=4",
        "--eos_token_id=none", "--progress_interval=0.5"));
    a.addAll(List.of(more));
    return a;
  }

  @Test
  void aDriverKilledAfterSomeSlicesResumesToExactlyTheRowsOfACleanRun() throws Exception {
    Path input = input();
    Path output = tmp.resolve("out");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("-D") || a.startsWith("-XX:+Ignore")).toList());
    command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(args(input, output, "resume"));
    File log = tmp.resolve("driver.log").toFile();
    Process driver = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
    Path manifest = output.resolve(SlicedOutput.MANIFEST);
    int seen = 0;
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (seen < 1 && driver.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      seen = committed(manifest);
    }
    driver.destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up
    driver.waitFor();
    String driverLog = Files.readString(log.toPath());
    SliceManifest atKill = SliceManifest.parse(Files.readString(manifest)); // a kill mid-replace leaves .next: see below
    assertTrue(atKill.committed().size() >= 1 && !atKill.complete(),
        "the kill should land after 1 and before all " + SLICES + " slices: " + atKill.committed() + "\n" + driverLog);
    assertTrue(driverLog.contains("sparkgen: progress "), driverLog);
    // The killed driver's lock is left behind; its process is gone, so the resume takes it over and releases it.
    assertTrue(Files.readString(output.resolve(OutputLock.FILE)).contains("\"pid\":" + driver.pid()));

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(Main.ROW_ERRORS, run(args(input, output, "resume"), err), text(err)); // row 17: id outside the vocabulary
    JsonObject summary = summary(output);
    JsonObject resume = summary.getAsJsonObject("resume");
    assertEquals(atKill.committed().size(), resume.get("slices_before").getAsInt());
    assertEquals(atKill.committedRows(), resume.get("rows_before").getAsLong());
    assertTrue(atKill.committedRows() > 0);
    // This run's executors finished exactly the rows of the other slices: nothing committed was generated again.
    assertEquals(ROWS - atKill.committedRows(), resume.get("rows_this_run").getAsLong());
    assertEquals(ROWS, summary.get("rows_in").getAsLong());
    assertEquals(2 * ROWS, summary.get("rows_out").getAsLong());
    assertTrue(Files.exists(output.resolve("_SUCCESS")));
    assertTrue(SliceManifest.parse(Files.readString(manifest)).complete());
    assertFalse(Files.exists(output.resolve(OutputLock.FILE)));

    // The same command uninterrupted: the same slices, partitions and batches, so every value is equal bit for bit.
    Path clean = tmp.resolve("clean");
    assertEquals(Main.ROW_ERRORS, run(args(input, clean, "resume"), null));
    List<String> expected = rows(clean);
    List<String> resumed = rows(output);
    assertEquals(2 * ROWS, expected.size());
    assertEquals(expected, resumed); // same rows, every column, no duplicates, no gaps
  }

  @Test
  void aResumeWithOtherSettingsOrOntoAnotherOutputIsRefusedNamingWhatDiffers() throws Exception {
    Path input = input();
    Path output = tmp.resolve("out");
    assertEquals(Main.ROW_ERRORS, run(args(input, output, "resume", "--slices=2", "--max_new_tokens=2"), null));
    Path slice0 = sliceFile(output);
    long before = Files.getLastModifiedTime(slice0).toMillis();

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(Main.BAD_SETUP, run(args(input, output, "resume", "--slices=2", "--max_new_tokens=2",
        "--temperature=0.5"), err));
    assertTrue(text(err).contains("was started with other settings; temperature: earlier '1.0', now '0.5'"), text(err));
    err.reset();
    assertEquals(Main.BAD_SETUP, run(args(input, output, "resume", "--slices=3", "--max_new_tokens=2"), err));
    assertTrue(text(err).contains("slices: earlier '2', now '3'"), text(err));

    // Complete already: the same command generates nothing and leaves the slices as they were.
    assertEquals(Main.ROW_ERRORS, run(args(input, output, "resume", "--slices=2", "--max_new_tokens=2"), null));
    JsonObject resume = summary(output).getAsJsonObject("resume");
    assertEquals(0, resume.get("rows_this_run").getAsLong());
    assertEquals(ROWS, resume.get("rows_before").getAsLong());
    assertEquals(slice0, sliceFile(output));
    assertEquals(before, Files.getLastModifiedTime(slice0).toMillis());

    Path other = tmp.resolve("other");
    Files.createDirectories(other);
    Files.writeString(other.resolve("part-0.parquet"), "x");
    err.reset();
    assertEquals(Main.BAD_SETUP, run(args(input, other, "resume"), err));
    assertTrue(text(err).contains("exists but has no _sparkgen_resume.json"), text(err));
  }

  private static Path sliceFile(Path output) throws Exception {
    try (Stream<Path> files = Files.list(output)) {
      return files.filter(f -> f.getFileName().toString().startsWith("slice-00000-part-")).findFirst().orElseThrow();
    }
  }

  /** Runs the command line's job on the shared session (Main.run would start and stop a session of its own). */
  private static int run(List<String> args, ByteArrayOutputStream err) {
    PrintStream e = new PrintStream(err == null ? new ByteArrayOutputStream() : err, true, StandardCharsets.UTF_8);
    JobConfig cfg = CommandLine.parse(args.toArray(String[]::new)).config().requireInputOutput();
    try (ResolvedModel model = ResolvedModel.resolve(cfg)) {
      return Main.execute(spark.session(), cfg, model, new PrintStream(new ByteArrayOutputStream()), e);
    }
  }

  private static String text(ByteArrayOutputStream b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  /** Committed slices in the manifest now (0 while there is none, or it is being replaced). */
  private static int committed(Path manifest) {
    try {
      return SliceManifest.parse(Files.readString(manifest)).committed().size();
    } catch (Exception e) {
      return 0;
    }
  }

  private static JsonObject summary(Path output) throws Exception {
    return JsonParser.parseString(Files.readString(output.resolve("_summary.json"))).getAsJsonObject();
  }

  /** Every row of an output as text, sorted. */
  private static List<String> rows(Path output) {
    List<Row> rows = spark.session().read().parquet(output.toString()).collectAsList();
    try (Stream<Row> s = rows.stream()) {
      return s.map(ResumeTest::text).sorted().toList();
    }
  }

  private static String text(Row r) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < r.length(); i++) {
      Object v = r.get(i);
      sb.append(r.schema().fieldNames()[i]).append('=')
          .append(v instanceof scala.collection.Seq<?> s ? s.mkString("[", ",", "]") : String.valueOf(v)).append(' ');
    }
    return sb.toString();
  }
}
