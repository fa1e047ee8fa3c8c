package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * job/bin/sparkgen's choice of main class and arguments (SPARKGEN_DRY_RUN=1 prints them and runs
 * nothing): the demo's settings only for the zero-argument demo, the report's own module and defaults.
 */
class LauncherTest {
  private static final Path LAUNCHER = Path.of("bin/sparkgen").toAbsolutePath();
  private static final String ROOT = Path.of("..").toAbsolutePath().normalize().toString();

  private static List<String> dryRun(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("SPARKGEN_DRY_RUN", "1");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return out.lines().toList();
  }

  @Test
  void demoSettingsOnlyForTheZeroArgumentDemo() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")), "needs bash");
    assertEquals(List.of("dev.sparkgen.job.Main", "generate", "--conf", ROOT + "/conf/sparkgen.properties"),
        dryRun("generate"));
    // A user naming their own model gets the built-in defaults and the model's generation_config.json.
    assertEquals(List.of("dev.sparkgen.job.Main", "generate", "--model=/models/m", "--input", "p.jsonl"),
        dryRun("generate", "--model=/models/m", "--input", "p.jsonl"));
    assertEquals(List.of("dev.sparkgen.job.Main", "--help"), dryRun("--help"));
  }

  @Test
  void reportRunsTheReportModuleWithItsDefaultsFirst() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")), "needs bash");
    assertEquals(List.of("dev.sparkgen.report.DegenerationReport", "--model=" + ROOT + "/model/demo/fortunes-gpt2",
        "--data=" + ROOT + "/model/data/fortunes/valid.txt", "--help"), dryRun("report", "--help"));
  }
}
