package dev.sparkgen.model.generate.constraint;

import dk.brics.automaton.Automaton;
import dk.brics.automaton.State;
import dk.brics.automaton.Transition;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal deterministic automaton over bytes as a transition table, holding only live states
 * (each can still reach an accepting one): a byte that cannot lead to a complete text has no
 * transition. States are 0..size-1; -1 is "dead". Bytes are grouped into classes that every
 * transition treats alike, so the table is [states, classes] rather than [states, 256].
 */
public final class ByteDfa {
  /** The state of a text that left the language. */
  public static final int DEAD = -1;

  private final int start;
  private final int[] classOf; // [256] byte -> class
  private final int classes;
  private final int[] next; // [states * classes], DEAD where no transition
  private final boolean[] accept;

  private ByteDfa(int start, int[] classOf, int classes, int[] next, boolean[] accept) {
    this.start = start;
    this.classOf = classOf;
    this.classes = classes;
    this.next = next;
    this.accept = accept;
  }

  /**
   * The table of {@code a} (an automaton over chars 0..255, one per byte), determinised here if it
   * is not yet; give it minimal (a larger automaton only costs more states). Throws {@link
   * ResponseFormatException} when the language is empty.
   */
  static ByteDfa of(Automaton a) {
    Automaton m = a.clone();
    m.determinize(); // nothing to do for a deterministic automaton
    List<State> states = new ArrayList<>(m.getStates());
    Map<State, Integer> index = new HashMap<>();
    for (State s : states) {
      index.put(s, index.size());
    }
    // Live states: those that reach an accepting state (reverse breadth-first search).
    List<List<Integer>> into = new ArrayList<>();
    for (int i = 0; i < states.size(); i++) {
      into.add(new ArrayList<>());
    }
    boolean[] bounds = new boolean[257];
    for (State s : states) {
      for (Transition t : s.getTransitions()) {
        if (t.getMax() > 0xFF) {
          throw new IllegalStateException("not a byte automaton: transition up to " + (int) t.getMax());
        }
        into.get(index.get(t.getDest())).add(index.get(s));
        bounds[t.getMin()] = true;
        bounds[t.getMax() + 1] = true;
      }
    }
    boolean[] live = new boolean[states.size()];
    Deque<Integer> queue = new ArrayDeque<>();
    for (State s : states) {
      if (s.isAccept()) {
        live[index.get(s)] = true;
        queue.add(index.get(s));
      }
    }
    while (!queue.isEmpty()) {
      for (int from : into.get(queue.poll())) {
        if (!live[from]) {
          live[from] = true;
          queue.add(from);
        }
      }
    }
    int initial = index.get(m.getInitialState());
    if (!live[initial]) {
      throw new ResponseFormatException("the response format allows no text at all");
    }
    int[] renumber = new int[states.size()];
    int n = 0;
    for (int i = 0; i < states.size(); i++) {
      renumber[i] = live[i] ? n++ : DEAD;
    }
    int[] classOf = new int[256];
    int classes = 0;
    for (int b = 0; b < 256; b++) {
      if (b > 0 && bounds[b]) {
        classes++;
      }
      classOf[b] = classes;
    }
    classes++;
    int[] next = new int[n * classes];
    Arrays.fill(next, DEAD);
    boolean[] accept = new boolean[n];
    for (int i = 0; i < states.size(); i++) {
      if (!live[i]) {
        continue;
      }
      State s = states.get(i);
      int row = renumber[i];
      accept[row] = s.isAccept();
      for (Transition t : s.getTransitions()) {
        int to = renumber[index.get(t.getDest())];
        if (to == DEAD) {
          continue;
        }
        for (int b = t.getMin(); b <= t.getMax(); b++) {
          next[row * classes + classOf[b]] = to;
        }
      }
    }
    return new ByteDfa(renumber[initial], classOf, classes, next, accept);
  }

  /** The start state. */
  public int start() {
    return start;
  }

  /** Number of states. */
  public int size() {
    return accept.length;
  }

  /** The state after byte {@code b} (0..255) from {@code state}, or {@link #DEAD}. */
  public int step(int state, int b) {
    return state < 0 ? DEAD : next[state * classes + classOf[b & 0xFF]];
  }

  /** The state after {@code bytes} from {@code state}, or {@link #DEAD}. */
  public int walk(int state, byte[] bytes) {
    int s = state;
    for (int i = 0; i < bytes.length && s >= 0; i++) {
      s = next[s * classes + classOf[bytes[i] & 0xFF]];
    }
    return s;
  }

  /** Whether {@code state} ends a complete text. */
  public boolean accepting(int state) {
    return state >= 0 && accept[state];
  }

  /** Whether the whole of {@code bytes} is in the language. */
  public boolean matches(byte[] bytes) {
    return accepting(walk(start, bytes));
  }
}
