package dev.sparkgen.model.generate.constraint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dk.brics.automaton.Automaton;
import dk.brics.automaton.BasicAutomata;
import dk.brics.automaton.State;
import dk.brics.automaton.StatePair;
import dk.brics.automaton.Transition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Automata of JSON text (RFC 8259) over UTF-8 bytes: strings with a given content language,
 * numbers, literals, arrays, objects with members in a fixed order, and any value up to a nesting
 * depth (JSON nests without bound, a regular language cannot). Between structural tokens ({@code
 * { } [ ] : ,}) at most {@code maxWhitespace} whitespace characters (space, tab, newline, carriage
 * return) are allowed; none before or after the whole value.
 *
 * <p>Strings are written with the short escapes {@code \" \\ \b \f \n \r \t} and {@code \\u00XX}
 * for other control characters, every other character as itself: one spelling per string, always
 * valid JSON.
 */
final class JsonGrammar {
  /** Nesting depth of "any JSON value": a value at depth 0 is a string, number, boolean or null. */
  static final int ANY_DEPTH = 4;

  private static final CodePointSet NEEDS_ESCAPE = CodePointSet.range(0, 0x1F).union(CodePointSet.chars("\"\\"));

  /**
   * The generic pieces (any string, any value or object of a depth), minimal, per whitespace bound:
   * built once per JVM, as they take most of the time of compiling a schema that uses them.
   */
  private static final Map<String, Automaton> SHARED = new ConcurrentHashMap<>();

  private final int maxWhitespace;

  /** {@code maxWhitespace} >= 0: the most whitespace characters between two structural tokens. */
  JsonGrammar(int maxWhitespace) {
    if (maxWhitespace < 0) {
      throw new IllegalArgumentException("whitespace bound must be >= 0, got " + maxWhitespace);
    }
    this.maxWhitespace = maxWhitespace;
  }

  /** 0..maxWhitespace whitespace characters. */
  Automaton ws() {
    return BasicAutomata.makeCharSet(" \t\n\r").repeat(0, maxWhitespace);
  }

  /**
   * Concatenation (not minimised: brics' minimisation costs states x alphabet each time, so
   * composites are minimised once, where a schema node is complete).
   */
  static Automaton seq(Automaton... parts) {
    return Automaton.concatenate(List.of(parts));
  }

  /** Union (not minimised, as {@link #seq}). */
  static Automaton union(List<Automaton> parts) {
    return parts.isEmpty() ? BasicAutomata.makeEmpty() : Automaton.union(parts);
  }

  /** {@code a} minimised in place, returned. */
  static Automaton minimal(Automaton a) {
    a.minimize();
    return a;
  }

  /** A string literal whose decoded value is in {@code content} (an automaton over the UTF-8 bytes of the value). */
  Automaton string(Automaton content) {
    return seq(Utf8.literal("\""), escaped(content), Utf8.literal("\""));
  }

  /** Any string literal. */
  Automaton anyString() {
    return shared("string", () -> minimal(string(characters(0, -1))));
  }

  /** A clone of the shared piece {@code name} (for this whitespace bound), built on first use. */
  private Automaton shared(String name, java.util.function.Supplier<Automaton> build) {
    String key = name + "/" + maxWhitespace;
    Automaton a = SHARED.get(key);
    if (a == null) {
      a = build.get(); // outside computeIfAbsent: building recurses into other shared pieces
      SHARED.putIfAbsent(key, a);
    }
    return a.clone();
  }

  /** Any string of {@code min..max} characters (code points); {@code max} -1 for no bound. */
  static Automaton characters(int min, int max) {
    Automaton one = CodePointSet.ANY.toAutomaton();
    Automaton a = max < 0 ? one.repeat(min) : one.repeat(min, max);
    a.minimize();
    return a;
  }

  /**
   * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]{1,2})?: JSON's number with an exponent of at most
   * two digits, so that every number fits a double (1e999 is valid JSON that common parsers turn
   * into infinity or refuse).
   */
  Automaton number() {
    return RegexCompiler.fullMatch("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]{1,2})?");
  }

  /** -?(0|[1-9][0-9]*) */
  Automaton integer() {
    return RegexCompiler.fullMatch("-?(0|[1-9][0-9]*)");
  }

  Automaton bool() {
    return union(List.of(Utf8.literal("true"), Utf8.literal("false")));
  }

  Automaton nul() {
    return Utf8.literal("null");
  }

  /** Any JSON value nesting at most {@code depth} arrays or objects. */
  Automaton anyValue(int depth) {
    return shared("value" + depth, () -> {
      List<Automaton> kinds = new ArrayList<>(List.of(anyString(), number(), bool(), nul()));
      if (depth > 0) {
        kinds.add(anyObject(depth));
        kinds.add(anyArray(depth));
      }
      return minimal(union(kinds));
    });
  }

  /** Any object whose values nest at most {@code depth - 1} deeper. */
  Automaton anyObject(int depth) {
    return shared("object" + depth, () -> {
      Automaton member = seq(anyString(), ws(), Utf8.literal(":"), ws(), anyValue(depth - 1));
      return minimal(seq(Utf8.literal("{"), ws(), list(member, 0, -1), Utf8.literal("}")));
    });
  }

  /** Any array whose items nest at most {@code depth - 1} deeper. */
  Automaton anyArray(int depth) {
    return array(anyValue(depth - 1), 0, -1);
  }

  /** An array of {@code min..max} items ({@code max} -1 for no bound). */
  Automaton array(Automaton item, int min, int max) {
    return seq(Utf8.literal("["), ws(), list(item, min, max), Utf8.literal("]"));
  }

  /**
   * {@code min..max} comma-separated items, each list that is not empty followed by whitespace:
   * what comes between "[ ws" and "]".
   */
  private Automaton list(Automaton item, int min, int max) {
    if (max == 0) {
      return BasicAutomata.makeEmptyString();
    }
    if (max < 0 && min <= 1) { // no count to keep: one copy of the item, looped through the comma
      State start = new State();
      State end = new State();
      end.setAccept(true);
      Automaton one = item.clone();
      Automaton comma = seq(ws(), Utf8.literal(","), ws());
      Automaton tail = ws();
      List<StatePair> epsilons = new ArrayList<>();
      epsilons.add(new StatePair(start, one.getInitialState()));
      if (min == 0) {
        epsilons.add(new StatePair(start, end));
      }
      for (State s : one.getAcceptStates()) {
        s.setAccept(false);
        epsilons.add(new StatePair(s, comma.getInitialState()));
        epsilons.add(new StatePair(s, tail.getInitialState()));
      }
      link(comma, one.getInitialState(), epsilons);
      link(tail, end, epsilons);
      Automaton a = new Automaton();
      a.setInitialState(start);
      a.setDeterministic(false);
      a.addEpsilons(epsilons);
      return a;
    }
    Automaton next = seq(ws(), Utf8.literal(","), ws(), item);
    int lo = Math.max(min - 1, 0);
    Automaton rest = max < 0 ? next.repeat(lo) : next.repeat(lo, max - 1);
    Automaton some = seq(item, rest, ws());
    return min == 0 ? some.optional() : some;
  }

  /**
   * An object with these members in this order, each present or not as {@code required} says
   * ({@code members[i]} is the whole member: key, colon, value).
   *
   * <p>Built as one automaton with shared states (a state per "before member i, none written yet"
   * and "before member i, some written"), linked by epsilon moves: composing it from unions would
   * copy the tail once per optional member.
   */
  Automaton object(List<Automaton> members, boolean[] required) {
    int n = members.size();
    State[] none = new State[n + 1]; // before member i, no member written yet
    State[] some = new State[n + 1]; // before member i, some member written
    for (int i = 0; i <= n; i++) {
      none[i] = new State();
      some[i] = new State();
    }
    List<StatePair> epsilons = new ArrayList<>();
    Automaton open = seq(Utf8.literal("{"), ws());
    link(open, none[0], epsilons);
    for (int i = 0; i < n; i++) {
      // One copy of the member: reached directly when it is the first, through a comma otherwise;
      // either way it leads to "some written".
      Automaton member = members.get(i).clone();
      Automaton comma = seq(ws(), Utf8.literal(","), ws());
      epsilons.add(new StatePair(none[i], member.getInitialState()));
      epsilons.add(new StatePair(some[i], comma.getInitialState()));
      link(comma, member.getInitialState(), epsilons);
      link(member, some[i + 1], epsilons);
      if (!required[i]) {
        epsilons.add(new StatePair(none[i], none[i + 1]));
        epsilons.add(new StatePair(some[i], some[i + 1]));
      }
    }
    Automaton closeEmpty = Utf8.literal("}");
    Automaton closeAfter = seq(ws(), Utf8.literal("}"));
    epsilons.add(new StatePair(none[n], closeEmpty.getInitialState()));
    epsilons.add(new StatePair(some[n], closeAfter.getInitialState()));
    Automaton a = new Automaton();
    a.setInitialState(open.getInitialState());
    a.setDeterministic(false);
    a.addEpsilons(epsilons);
    return a;
  }

  /** Makes the accepting states of {@code part} non-accepting, each with an epsilon move to {@code next}. */
  private static void link(Automaton part, State next, List<StatePair> epsilons) {
    for (State s : part.getAcceptStates()) {
      s.setAccept(false);
      epsilons.add(new StatePair(s, next));
    }
  }

  /** One member: the key as a JSON string, a colon, the value. */
  Automaton member(String key, Automaton value) {
    return seq(Utf8.literal(quote(key)), ws(), Utf8.literal(":"), ws(), value);
  }

  /**
   * The JSON-escaped form of {@code content}: each transition on a byte that JSON must escape
   * (a control character, {@code "} or {@code \}) becomes a path spelling its escape. Those
   * characters are single bytes that never occur inside a multi-byte UTF-8 character, so
   * rewriting bytes rewrites characters.
   */
  static Automaton escaped(Automaton content) {
    Map<State, State> copy = new IdentityHashMap<>();
    for (State s : content.getStates()) {
      State t = new State();
      t.setAccept(s.isAccept());
      copy.put(s, t);
    }
    for (State s : content.getStates()) {
      State from = copy.get(s);
      // The escapes leaving one state share their prefixes ("\\", "\\u00", ...): escapes are
      // prefix-free and a state has one destination per byte, so a deterministic input stays so.
      Map<String, State> prefixes = new HashMap<>();
      prefixes.put("", from);
      for (Transition tr : s.getTransitions()) {
        State to = copy.get(tr.getDest());
        int b = tr.getMin();
        while (b <= tr.getMax()) {
          if (NEEDS_ESCAPE.contains(b)) {
            String esc = escape(b);
            for (int k = 0; k < esc.length(); k++) {
              State at = prefixes.get(esc.substring(0, k));
              if (k == esc.length() - 1) {
                at.addTransition(new Transition(esc.charAt(k), to));
              } else if (!prefixes.containsKey(esc.substring(0, k + 1))) {
                State next = new State();
                at.addTransition(new Transition(esc.charAt(k), next));
                prefixes.put(esc.substring(0, k + 1), next);
              }
            }
            b++;
            continue;
          }
          int end = b; // a run of bytes that stand for themselves
          while (end < tr.getMax() && !NEEDS_ESCAPE.contains(end + 1)) {
            end++;
          }
          from.addTransition(new Transition((char) b, (char) end, to));
          b = end + 1;
        }
      }
    }
    Automaton a = new Automaton();
    a.setInitialState(copy.get(content.getInitialState()));
    a.setDeterministic(content.isDeterministic());
    a.minimize();
    return a;
  }

  /** The JSON escape of one character that needs one. */
  private static String escape(int c) {
    return switch (c) {
      case '"' -> "\\\"";
      case '\\' -> "\\\\";
      case '\b' -> "\\b";
      case '\f' -> "\\f";
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      default -> String.format("\\u%04x", c);
    };
  }

  /** {@code text} as a JSON string literal, escaped as {@link #escaped} spells it. */
  static String quote(String text) {
    StringBuilder sb = new StringBuilder("\"");
    text.codePoints().forEach(c -> {
      if (NEEDS_ESCAPE.contains(c)) {
        sb.append(escape(c));
      } else {
        sb.appendCodePoint(c);
      }
    });
    return sb.append('"').toString();
  }

  /** Compact JSON text of {@code value} (numbers as written in the source, strings as {@link #quote}). */
  static String serialize(JsonElement value) {
    if (value.isJsonNull()) {
      return "null";
    }
    if (value instanceof JsonPrimitive p) {
      return p.isString() ? quote(p.getAsString()) : p.getAsString();
    }
    StringBuilder sb = new StringBuilder();
    if (value instanceof JsonArray a) {
      sb.append('[');
      for (int i = 0; i < a.size(); i++) {
        sb.append(i > 0 ? "," : "").append(serialize(a.get(i)));
      }
      return sb.append(']').toString();
    }
    JsonObject o = value.getAsJsonObject();
    sb.append('{');
    boolean first = true;
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      sb.append(first ? "" : ",").append(quote(e.getKey())).append(':').append(serialize(e.getValue()));
      first = false;
    }
    return sb.append('}').toString();
  }
}
