package dev.sparkgen.model.bench;

import java.util.function.BiConsumer;

/** Reads a benchmark program's options, given as {@code --name value} pairs. */
final class BenchArgs {
  private BenchArgs() {}

  /** Hands each (name, value) pair to {@code option}; a name without a value is refused. */
  static void forEach(String[] args, BiConsumer<String, String> option) {
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + args[i] + " needs a value");
      }
      option.accept(args[i], args[i + 1]);
    }
  }
}
