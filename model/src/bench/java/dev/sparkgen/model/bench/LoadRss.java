package dev.sparkgen.model.bench;

import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.DjlEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resident memory of this JVM (VmRSS, and its peak VmHWM from /proc/self/status) after the engine
 * starts, after a checkpoint loads, and after a batch of 16 prompts of 32 tokens runs prefill and 8
 * greedy steps: for comparing allocator settings (e.g. {@code THP_MEM_ALLOC_ENABLE=0} against 1). A
 * program, not a test; from the repository root, with the job's test class path
 * (model/bench/README.md):
 *
 * <pre>
 * THP_MEM_ALLOC_ENABLE=0 java -Xmx1g -cp ... dev.sparkgen.model.bench.LoadRss bench-out/models/qwen2.5-0.5b
 * </pre>
 *
 * <p>Argument: the model folder.
 */
public final class LoadRss {
  public static void main(String[] args) throws Exception {
    DjlEnvironment.setThreads(1);
    print("engine");
    try (CausalLm lm = CausalLm.load(Path.of(args[0]).toAbsolutePath())) {
      print("loaded");
      List<int[]> prompts = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        int[] p = new int[32];
        for (int t = 0; t < 32; t++) {
          p[t] = (i * 31 + t * 7) % 1000;
        }
        prompts.add(p);
      }
      try (DecodeBatch b = lm.open(prompts, 32)) {
        b.prefill();
        int[] tokens = new int[16];
        for (int s = 0; s < 8; s++) {
          tokens = b.stepGreedy(tokens).tokens();
        }
      }
      print("after batch 16");
    }
  }

  private static void print(String what) throws Exception {
    String rss = "";
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS") || line.startsWith("VmHWM")) {
        rss += line.replaceAll("\\s+", " ") + "; ";
      }
    }
    System.out.println(what + ": " + rss);
  }
}
