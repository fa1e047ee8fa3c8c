package dev.sparkgen.job.resume;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The manifest of a sliced output ({@code _sparkgen_resume.json}): how many slices the input is
 * cut into, how many rows the input had, the settings the slices were made with ({@link
 * ResumeSettings}), and the slices committed so far. A slice folder that the manifest does not
 * name is not part of the output. Immutable: {@link #with} returns the next version.
 *
 * @param format the manifest's format version ({@link #FORMAT})
 * @param slices the slices the input is cut into ({@link Slices})
 * @param inputRows the input's rows after blank prompts were dropped (a changed input is refused)
 * @param settings the compared settings, by name
 * @param committed the committed slices, in commit order
 */
public record SliceManifest(int format, int slices, long inputRows, Map<String, String> settings,
    List<Committed> committed) {
  /** The current format version. */
  public static final int FORMAT = 1;

  private static final Gson GSON = new GsonBuilder()
      .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).setPrettyPrinting().create();

  /**
   * One committed slice.
   *
   * @param slice its index
   * @param rows input rows (prompts) generated for it
   * @param generatedTokens tokens generated for it
   * @param committedAt UTC time of the commit (ISO-8601)
   */
  public record Committed(int slice, long rows, long generatedTokens, String committedAt) {}

  public SliceManifest {
    settings = java.util.Collections.unmodifiableMap(new TreeMap<>(settings));
    committed = List.copyOf(committed);
  }

  /** A manifest with nothing committed yet. */
  public static SliceManifest start(int slices, long inputRows, Map<String, String> settings) {
    return new SliceManifest(FORMAT, slices, inputRows, settings, List.of());
  }

  /** This manifest with {@code c} committed too. */
  public SliceManifest with(Committed c) {
    List<Committed> next = new ArrayList<>(committed);
    next.add(c);
    return new SliceManifest(format, slices, inputRows, settings, next);
  }

  /** Whether slice {@code i} is committed. */
  public boolean isCommitted(int i) {
    return committed.stream().anyMatch(c -> c.slice() == i);
  }

  /** Input rows in the committed slices. */
  public long committedRows() {
    return committed.stream().mapToLong(Committed::rows).sum();
  }

  /** Whether every slice is committed. */
  public boolean complete() {
    return committed.size() == slices;
  }

  /** The JSON text. */
  public String toJson() {
    return GSON.toJson(this) + "\n";
  }

  /** Parses {@link #toJson}'s text; throws IllegalArgumentException when it is not a manifest. */
  public static SliceManifest parse(String json) {
    SliceManifest m;
    try {
      m = GSON.fromJson(json, SliceManifest.class);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("not a sparkgen resume manifest: " + e.getMessage(), e);
    }
    if (m == null || m.format() != FORMAT || m.settings() == null || m.committed() == null || m.slices() < 1) {
      throw new IllegalArgumentException("not a sparkgen resume manifest of format " + FORMAT);
    }
    return m;
  }
}
