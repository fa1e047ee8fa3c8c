package dev.sparkgen.model.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsTest {

  @Test
  void bothFormsLaterWinsAndValuesKeepTheirText() {
    Map<String, String> o = Options.parse(List.of("--a=1", "--b", " two ", "--a=3", "--c=x=y", "--d="), "(usage)");
    assertEquals(Map.of("a", "3", "b", " two ", "c", "x=y", "d", ""), o);
    assertEquals(List.of("a", "b", "c", "d"), List.copyOf(o.keySet()));
  }

  @Test
  void aBareWordOrAMissingValueIsRefusedWithTheArgumentAndTheUsage() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Options.parse(List.of("steps=3"), "(try --help)"));
    assertEquals("cannot read argument 'steps=3': expected --key=value or --key value (try --help)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Options.parse(List.of("--steps", "--lr=1"), "(try --help)"));
    assertEquals("'--steps' needs a value: --steps=VALUE or --steps VALUE (try --help)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Options.parse(List.of("--=3"), ""));
  }
}
