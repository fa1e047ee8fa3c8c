package dev.sparkgen.model;

import com.sun.jna.Function;
import com.sun.jna.Platform;

/**
 * Turns on transparent huge pages for libtorch's large CPU tensors: PyTorch's CPU allocator (c10
 * {@code alloc_cpu}, Linux only) aligns every allocation of at least 2 MB to 2 MB and advises
 * {@code MADV_HUGEPAGE} when the environment variable {@code THP_MEM_ALLOC_ENABLE} is 1. A decode
 * step's large temporaries (a prefill's activations, [rows, vocab] sampling work in float64) are
 * fresh allocations that glibc maps and unmaps each time, so without it every step faults their
 * pages in again 4 KB at a time; with 2 MB pages that is 512 times fewer faults. Measured on the
 * GPT-2-small shape, 1 thread (model/bench/README.md, issue 14): a prefill of 32 prompts x 96
 * tokens 13.4-17.3 s of CPU without, 8.0-10.0 s with; top-p sampling on the device at batch 64, 594
 * ms per step without, 371 ms with; issue 14's workload under static batches 125 s of CPU without,
 * 103 s with; decode steps and the continuous scheduler unchanged within the noise; small
 * prefills (1 x 96 tokens) about 20 % slower; a Qwen2.5-0.5B-shaped model's resident memory no
 * higher (2.51 GB with, 2.64 GB without).
 *
 * <p>c10 reads the variable once, at libtorch's first allocation, so {@link DjlEnvironment#engine()}
 * calls {@link #enable()} before the engine starts; it sets the variable in this process's
 * environment (libc {@code setenv}, through JNA) unless it is already set, so {@code export
 * THP_MEM_ALLOC_ENABLE=0} keeps huge pages off. Executors that Spark launches get the variable
 * from {@code spark.executorEnv.THP_MEM_ALLOC_ENABLE} as well (the job sets it unless given).
 * Elsewhere than Linux the variable has no effect and is left alone.
 */
public final class TransparentHugePages {
  /** The environment variable c10's CPU allocator reads. */
  public static final String VARIABLE = "THP_MEM_ALLOC_ENABLE";

  private TransparentHugePages() {}

  /**
   * Sets {@link #VARIABLE} to 1 in this process's environment unless it is set (Linux); returns its
   * value afterwards, or null elsewhere or where libc cannot be called (then nothing changes).
   */
  public static synchronized String enable() {
    if (!Platform.isLinux()) {
      return null;
    }
    try {
      // overwrite = 0: a value the process started with (or set before) wins
      Function.getFunction(Platform.C_LIBRARY_NAME, "setenv").invokeInt(new Object[] {VARIABLE, "1", 0});
      return value();
    } catch (LinkageError | RuntimeException e) { // no libc through JNA: a speed setting only, go on without it
      return null;
    }
  }

  /**
   * The variable's value in this process's native environment (which {@link System#getenv} does
   * not see change), or null when unset or not on Linux.
   */
  public static String value() {
    if (!Platform.isLinux()) {
      return null;
    }
    return (String) Function.getFunction(Platform.C_LIBRARY_NAME, "getenv").invoke(String.class, new Object[] {VARIABLE});
  }
}
