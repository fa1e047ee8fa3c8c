package dev.sparkgen.model.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * Python method calls and indexes on the values templates see, placed before Jinjava's own
 * resolvers. Jinjava would call Java's methods on a {@code java.lang.String}: {@code strip('\n')},
 * {@code lstrip}, {@code startswith} and friends do not exist there, and {@code split} takes a regex.
 * jinja2 runs templates in a sandbox that allows Python's str methods, so HF templates use them
 * (Qwen3: {@code content.split('</think>')[0].rstrip('\n')}).
 *
 * <p>Handled: on strings the methods of {@link PyStrings} plus {@code upper}, {@code lower},
 * {@code join}, and {@code s[i]} with
 * negative i; on dicts {@code get(k[, default])}, {@code items()}, {@code keys()}, {@code values()}
 * (Jinjava only offers them on its own map type). Expression tests ({@code x is string}) are
 * called directly. Anything else falls through to Jinjava.
 */
final class PyMethodResolver extends ELResolver {

  @Override
  public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(method instanceof String name)) {
      return null;
    }
    Object[] args = params == null ? new Object[0] : params;
    Object result;
    if (base instanceof ExpTest test && args.length >= 2 && args[1] instanceof JinjavaInterpreter interpreter
        && (name.equals("evaluate") || name.equals("evaluateNegated"))) {
      // `x is name(arg)` compiles to exptest:name.evaluate(x, interpreter, arg); calling it here
      // skips the reflective bean lookup Jinjava would do on every test.
      Object[] rest = java.util.Arrays.copyOfRange(args, 2, args.length);
      boolean holds = test.evaluate(args[0], interpreter, rest);
      context.setPropertyResolved(true);
      return name.equals("evaluate") == holds;
    }
    if (base instanceof String s) {
      result = stringMethod(s, name, args);
    } else if (base instanceof Map<?, ?> map) {
      result = mapMethod(map, name, args);
    } else {
      return null;
    }
    if (result != NOT_HANDLED) {
      context.setPropertyResolved(true);
      return result;
    }
    return null;
  }

  private static final Object NOT_HANDLED = new Object();

  private static Object stringMethod(String s, String name, Object[] a) {
    return switch (name) {
      case "strip" -> PyStrings.strip(s, optionalString(name, a, 0));
      case "lstrip" -> PyStrings.lstrip(s, optionalString(name, a, 0));
      case "rstrip" -> PyStrings.rstrip(s, optionalString(name, a, 0));
      case "split" -> PyStrings.split(s, optionalString(name, a, 0), optionalInt(a, 1, -1));
      case "rsplit" -> PyStrings.rsplit(s, optionalString(name, a, 0), optionalInt(a, 1, -1));
      case "splitlines" -> PyStrings.splitlines(s, a.length > 0 && Boolean.TRUE.equals(a[0]));
      case "startswith" -> affixes(name, a).stream().anyMatch(s::startsWith);
      case "endswith" -> affixes(name, a).stream().anyMatch(s::endsWith);
      case "replace" -> PyStrings.replace(s, string(name, a, 0), string(name, a, 1), optionalInt(a, 2, -1));
      case "upper" -> s.toUpperCase(Locale.ROOT);
      case "lower" -> s.toLowerCase(Locale.ROOT);
      case "title" -> PyStrings.title(s);
      case "capitalize" -> PyStrings.capitalize(s);
      case "find" -> PyStrings.find(s, string(name, a, 0), false);
      case "rfind" -> PyStrings.find(s, string(name, a, 0), true);
      case "count" -> PyStrings.count(s, string(name, a, 0));
      case "join" -> join(s, a);
      case "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower" -> PyStrings.is(s, name);
      default -> NOT_HANDLED;
    };
  }

  private static Object mapMethod(Map<?, ?> map, String name, Object[] a) {
    return switch (name) {
      case "get" -> a.length == 0 ? NOT_HANDLED
          : map.containsKey(a[0]) ? map.get(a[0]) : a.length > 1 ? a[1] : null;
      case "items" -> {
        List<List<Object>> items = new ArrayList<>(map.size());
        map.forEach((k, v) -> items.add(java.util.Arrays.asList(k, v)));
        yield items;
      }
      case "keys" -> new ArrayList<Object>(map.keySet());
      case "values" -> new ArrayList<Object>(map.values());
      default -> NOT_HANDLED;
    };
  }

  /** startswith/endswith accept one string or a tuple of strings. */
  private static List<String> affixes(String method, Object[] a) {
    if (a.length > 0 && a[0] instanceof Collection<?> many) {
      List<String> out = new ArrayList<>();
      for (Object o : many) {
        out.add(requireString(method, o));
      }
      return out;
    }
    return List.of(string(method, a, 0));
  }

  private static String join(String separator, Object[] a) {
    if (a.length == 0 || !(a[0] instanceof Iterable<?> items)) {
      throw new ELException("join() takes an iterable of strings");
    }
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (Object o : items) {
      if (!first) {
        out.append(separator);
      }
      out.append(requireString("join", o));
      first = false;
    }
    return out.toString();
  }

  private static String string(String method, Object[] a, int i) {
    if (a.length <= i) {
      throw new ELException(method + "() is missing argument " + (i + 1));
    }
    return requireString(method, a[i]);
  }

  private static String optionalString(String method, Object[] a, int i) {
    return a.length <= i || a[i] == null ? null : requireString(method, a[i]);
  }

  private static String requireString(String method, Object o) {
    if (o instanceof CharSequence c) {
      return c.toString();
    }
    throw new ELException(method + "() argument must be str, not " + (o == null ? "None" : o.getClass().getSimpleName()));
  }

  private static int optionalInt(Object[] a, int i, int otherwise) {
    return a.length <= i || a[i] == null ? otherwise : ((Number) a[i]).intValue();
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    // Jinjava passes the index as text ("-1"): it resolves every property by name.
    if (base instanceof String s && property != null) {
      Long index = property instanceof Long || property instanceof Integer ? (Long) ((Number) property).longValue() : integer(property.toString());
      if (index != null) {
        context.setPropertyResolved(true);
        return PyStrings.charAt(s, index);
      }
    }
    return null;
  }

  private static Long integer(String text) {
    int start = text.startsWith("-") ? 1 : 0;
    if (text.length() == start || text.length() > 19) {
      return null;
    }
    for (int i = start; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return null;
      }
    }
    return Long.parseLong(text);
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {}

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }
}
