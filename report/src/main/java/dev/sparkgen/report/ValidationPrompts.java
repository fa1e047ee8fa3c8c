package dev.sparkgen.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Report prompts from the validation split: the opening words of its fortunes, in file order, so
 * every run of the report uses the same prompts.
 */
public final class ValidationPrompts {
  private ValidationPrompts() {}

  /**
   * The first {@code count} fortunes of at least {@code 2 * words} words, each cut after its first
   * {@code words} words (the original spacing kept).
   */
  public static List<String> read(Path file, int count, int words) throws IOException {
    List<String> out = new ArrayList<>();
    for (String fortune : Files.readString(file, StandardCharsets.UTF_8).split("\n%\n")) {
      String text = fortune.strip();
      if (Words.of(text).size() < 2 * words) {
        continue;
      }
      out.add(prefix(text, words));
      if (out.size() == count) {
        break;
      }
    }
    if (out.size() < count) {
      throw new IllegalArgumentException(file + ": only " + out.size() + " fortunes have " + 2 * words
          + " words or more; asked for " + count + " prompts");
    }
    return out;
  }

  private static String prefix(String text, int words) {
    int seen = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); i++) {
      boolean space = Character.isWhitespace(text.charAt(i));
      if (!space && !inWord) {
        seen++;
      }
      if (space && inWord && seen == words) {
        return text.substring(0, i);
      }
      inWord = !space;
    }
    return text;
  }
}
