package dev.sparkgen.model.generate.constraint;

import dk.brics.automaton.Automaton;
import dk.brics.automaton.State;
import dk.brics.automaton.Transition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of Unicode scalar values (code points 0..0x10FFFF without the surrogates
 * D800..DFFF, which UTF-8 cannot encode), kept as sorted, disjoint, non-adjacent ranges. {@link
 * #toAutomaton} gives the automaton of their UTF-8 encodings: one character, one to four bytes.
 */
final class CodePointSet {
  static final int MAX = 0x10FFFF;
  private static final int SURROGATE_MIN = 0xD800;
  private static final int SURROGATE_MAX = 0xDFFF;

  /** Every scalar value. */
  static final CodePointSet ANY = range(0, MAX);

  private final int[] ranges; // [lo0, hi0, lo1, hi1, ...], sorted, disjoint, non-adjacent, no surrogates

  private CodePointSet(int[] ranges) {
    this.ranges = ranges;
  }

  /** The code points {@code lo..hi} (inclusive), surrogates left out. */
  static CodePointSet range(int lo, int hi) {
    if (lo < 0 || hi > MAX || lo > hi) {
      throw new IllegalArgumentException("bad code point range " + lo + ".." + hi);
    }
    return normalised(new int[] {lo, hi});
  }

  /** One code point. */
  static CodePointSet of(int codePoint) {
    return range(codePoint, codePoint);
  }

  /** The empty set. */
  static CodePointSet empty() {
    return new CodePointSet(new int[0]);
  }

  /** Each code point of {@code chars}. */
  static CodePointSet chars(String chars) {
    CodePointSet s = empty();
    for (int cp : chars.codePoints().toArray()) {
      s = s.union(of(cp));
    }
    return s;
  }

  boolean isEmpty() {
    return ranges.length == 0;
  }

  /** The one code point of a one-element set, else -1. */
  int singleton() {
    return ranges.length == 2 && ranges[0] == ranges[1] ? ranges[0] : -1;
  }

  boolean contains(int cp) {
    for (int i = 0; i < ranges.length; i += 2) {
      if (cp >= ranges[i] && cp <= ranges[i + 1]) {
        return true;
      }
    }
    return false;
  }

  CodePointSet union(CodePointSet other) {
    int[] all = Arrays.copyOf(ranges, ranges.length + other.ranges.length);
    System.arraycopy(other.ranges, 0, all, ranges.length, other.ranges.length);
    return normalised(all);
  }

  /** Every scalar value not in this set. */
  CodePointSet complement() {
    List<Integer> out = new ArrayList<>();
    int next = 0;
    for (int i = 0; i < ranges.length; i += 2) {
      if (ranges[i] > next) {
        out.add(next);
        out.add(ranges[i] - 1);
      }
      next = ranges[i + 1] + 1;
    }
    if (next <= MAX) {
      out.add(next);
      out.add(MAX);
    }
    return normalised(out.stream().mapToInt(Integer::intValue).toArray());
  }

  CodePointSet minus(CodePointSet other) {
    return intersect(other.complement());
  }

  CodePointSet intersect(CodePointSet other) {
    return complement().union(other.complement()).complement();
  }

  /**
   * The automaton of one character of this set, as UTF-8 bytes (brics chars 0..255); minimal and
   * deterministic. The empty set gives the empty language.
   */
  Automaton toAutomaton() {
    State start = new State();
    State accept = new State();
    accept.setAccept(true);
    for (int i = 0; i < ranges.length; i += 2) {
      for (int[] seq : Utf8.split(ranges[i], ranges[i + 1])) {
        State at = start;
        for (int b = 0; b < seq.length; b += 2) {
          State to = b + 2 == seq.length ? accept : new State();
          at.addTransition(new Transition((char) seq[b], (char) seq[b + 1], to));
          at = to;
        }
      }
    }
    Automaton a = new Automaton();
    a.setInitialState(start);
    a.setDeterministic(false);
    a.minimize();
    return a;
  }

  private static CodePointSet normalised(int[] raw) {
    int n = raw.length / 2;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> Integer.compare(raw[2 * x], raw[2 * y]));
    List<Integer> merged = new ArrayList<>();
    for (int k : order) {
      int lo = raw[2 * k];
      int hi = raw[2 * k + 1];
      int last = merged.size() - 1;
      if (last > 0 && lo <= merged.get(last) + 1) {
        merged.set(last, Math.max(merged.get(last), hi));
      } else {
        merged.add(lo);
        merged.add(hi);
      }
    }
    // Cut out the surrogates.
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < merged.size(); i += 2) {
      int lo = merged.get(i);
      int hi = merged.get(i + 1);
      if (hi < SURROGATE_MIN || lo > SURROGATE_MAX) {
        out.add(lo);
        out.add(hi);
        continue;
      }
      if (lo < SURROGATE_MIN) {
        out.add(lo);
        out.add(SURROGATE_MIN - 1);
      }
      if (hi > SURROGATE_MAX) {
        out.add(SURROGATE_MAX + 1);
        out.add(hi);
      }
    }
    return new CodePointSet(out.stream().mapToInt(Integer::intValue).toArray());
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < ranges.length; i += 2) {
      sb.append(String.format("%X-%X ", ranges[i], ranges[i + 1]));
    }
    return sb.toString().trim() + "]";
  }
}
