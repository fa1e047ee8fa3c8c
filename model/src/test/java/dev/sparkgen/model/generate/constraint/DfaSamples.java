package dev.sparkgen.model.generate.constraint;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Random texts of an automaton's language, for property tests: random walks that head for an accepting state once long enough. */
final class DfaSamples {
  private DfaSamples() {}

  /** {@code n} random byte strings accepted by {@code dfa}, each about {@code budget} bytes at most before it heads home. */
  static List<byte[]> of(ByteDfa dfa, int n, int budget, long seed) {
    int[] dist = distanceToAccept(dfa);
    Random rnd = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ByteArrayOutputStream text = new ByteArrayOutputStream();
      int s = dfa.start();
      while (true) {
        List<Integer> moves = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
          int t = dfa.step(s, b);
          if (t >= 0 && (text.size() < budget || dist[t] < dist[s])) {
            moves.add(b);
          }
        }
        boolean canStop = dfa.accepting(s);
        if (moves.isEmpty() || (canStop && (text.size() >= budget || rnd.nextInt(8) == 0))) {
          if (!canStop) {
            throw new AssertionError("stuck in a non-accepting state " + s);
          }
          break;
        }
        // Prefer distinct byte groups over raw byte counts, so that rare structural bytes get picked.
        int b = moves.get(rnd.nextInt(moves.size()));
        if (rnd.nextBoolean()) {
          int pick = moves.get(rnd.nextInt(moves.size()));
          b = pick < 0x80 ? pick : b;
        }
        text.write(b);
        s = dfa.step(s, b);
      }
      out.add(text.toByteArray());
    }
    return out;
  }

  /** Fewest bytes from each state to an accepting one. */
  static int[] distanceToAccept(ByteDfa dfa) {
    int[] dist = new int[dfa.size()];
    Arrays.fill(dist, Integer.MAX_VALUE / 2);
    for (int s = 0; s < dfa.size(); s++) {
      if (dfa.accepting(s)) {
        dist[s] = 0;
      }
    }
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int s = 0; s < dfa.size(); s++) {
        for (int b = 0; b < 256; b++) {
          int t = dfa.step(s, b);
          if (t >= 0 && dist[t] + 1 < dist[s]) {
            dist[s] = dist[t] + 1;
            changed = true;
          }
        }
      }
    }
    return dist;
  }
}
