package dev.sparkgen.job.exec;

import dev.sparkgen.model.generate.GenerationConfig;
import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A resolved {@link GenerationConfig} as a serialisable value for Spark closures, and as a map
 * keyed by Hugging Face names (for Parquet metadata and the summary). It walks the record's
 * components, so fields added to GenerationConfig travel without changes here.
 */
public final class GenerationSettings implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Object[] values; // record components, in declaration order; all serialisable types

  private GenerationSettings(Object[] values) {
    this.values = values;
  }

  /** Captures {@code config}. */
  public static GenerationSettings of(GenerationConfig config) {
    RecordComponent[] rc = GenerationConfig.class.getRecordComponents();
    Object[] values = new Object[rc.length];
    for (int i = 0; i < rc.length; i++) {
      Object v = read(rc[i], config);
      values[i] = v instanceof List<?> l ? new ArrayList<>(l) : v;
    }
    return new GenerationSettings(values);
  }

  /** Rebuilds the config (on an executor). */
  public GenerationConfig config() {
    RecordComponent[] rc = GenerationConfig.class.getRecordComponents();
    Class<?>[] types = new Class<?>[rc.length];
    for (int i = 0; i < rc.length; i++) {
      types[i] = rc[i].getType();
    }
    try {
      Constructor<GenerationConfig> c = GenerationConfig.class.getDeclaredConstructor(types);
      return c.newInstance(values);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("cannot rebuild GenerationConfig: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot rebuild GenerationConfig", e);
    }
  }

  /** The settings by Hugging Face name ({@code maxNewTokens} -> {@code max_new_tokens}). */
  public Map<String, Object> byName() {
    RecordComponent[] rc = GenerationConfig.class.getRecordComponents();
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < rc.length; i++) {
      m.put(snakeCase(rc[i].getName()), values[i]);
    }
    return m;
  }

  private static Object read(RecordComponent c, GenerationConfig config) {
    try {
      return c.getAccessor().invoke(config);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code maxNewTokens} -> {@code max_new_tokens}. */
  public static String snakeCase(String camel) {
    StringBuilder sb = new StringBuilder();
    for (char ch : camel.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        sb.append('_').append(Character.toLowerCase(ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }
}
