package dev.sparkgen.model.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;

/**
 * The interpreter of one render, printing values as jinja2 does ({@link PyValues#str}). Jinjava
 * prints through {@code toString} (so {@code true}, {@code [a, b]}) or, with its "Pyish" object
 * mapper, through Jackson, which also rewrites control characters in plain strings as
 * {@code \u001C}; jinja2 prints a string as is.
 */
final class PyInterpreter extends JinjavaInterpreter {
  PyInterpreter(Jinjava jinjava, Context context, JinjavaConfig config) {
    super(jinjava, context, config);
  }

  @Override
  public String getAsString(Object object) {
    return PyValues.str(object);
  }
}
