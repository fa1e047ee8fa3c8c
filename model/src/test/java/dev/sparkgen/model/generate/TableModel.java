package dev.sparkgen.model.generate;

import dev.sparkgen.model.BatchModel;
import dev.sparkgen.model.DecodeBatch;
import dev.sparkgen.model.LogitsReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * A fake {@link BatchModel} for decoding tests: the next-token logits are a pure function of the
 * row's tokens so far (e.g. a seeded table indexed by the last two tokens), so results are exact
 * and independent of batching. It records the rows of every prefill and step.
 */
final class TableModel implements BatchModel {
  private final int vocab;
  private final int maxPositions;
  private final Function<int[], float[]> logits;
  final List<Integer> prefillRows = new ArrayList<>();
  final List<Integer> stepRows = new ArrayList<>();
  final List<Integer> admittedRows = new ArrayList<>(); // rows of each admitted prompt (continuous batches)
  final List<Integer> admissionCalls = new ArrayList<>(); // prompts of each multi-prompt admit call
  int admitsAtOnce = 1; // prompts a continuous batch takes per admit call
  int refusedCalls; // multi-prompt admit calls refused for one prompt's tokens
  // Calls that handed logits to the caller: on the host (prefill, admit, step) or as a device array (the LogitsReader
  // forms, by name), so tests can tell where tokens were chosen.
  final List<String> hostReads = new ArrayList<>();
  final List<String> deviceReads = new ArrayList<>();

  TableModel(int vocab, int maxPositions, Function<int[], float[]> logits) {
    this.vocab = vocab;
    this.maxPositions = maxPositions;
    this.logits = logits;
  }

  /** Logits drawn from N(0, 2^2), one row per (second-last, last) token pair. */
  static TableModel seeded(int vocab, int maxPositions, long seed) {
    Random random = new Random(seed);
    float[][] table = new float[(vocab + 1) * vocab][vocab];
    for (float[] row : table) {
      for (int v = 0; v < vocab; v++) {
        row[v] = (float) (2 * random.nextGaussian());
      }
    }
    return new TableModel(vocab, maxPositions, seq -> {
      int last = seq[seq.length - 1];
      int before = seq.length > 1 ? seq[seq.length - 2] : vocab;
      return table[before * vocab + last].clone();
    });
  }

  @Override
  public int vocabSize() {
    return vocab;
  }

  @Override
  public int maxPositions() {
    return maxPositions;
  }

  @Override
  public DecodeBatch open(List<int[]> prompts, int maxNewTokens) {
    return new Batch(prompts, maxNewTokens);
  }

  @Override
  public DecodeBatch openContinuous(int rows, int longestPrompt, int maxNewTokens) {
    return new Batch(rows);
  }

  private final class Batch implements DecodeBatch {
    private final boolean continuous;
    private List<int[]> rows = new ArrayList<>();
    private int stepsLeft;
    private boolean reading; // inside a LogitsReader form: its host call below is not a host read

    Batch(int vacant) {
      for (int r = 0; r < vacant; r++) {
        rows.add(null);
      }
      continuous = true;
      stepsLeft = Integer.MAX_VALUE;
    }

    Batch(List<int[]> prompts, int maxNewTokens) {
      continuous = false;
      prompts.forEach(p -> rows.add(p.clone()));
      int shortest = prompts.stream().mapToInt(p -> p.length).min().orElseThrow();
      stepsLeft = Math.min(maxNewTokens, maxPositions - shortest);
    }

    @Override
    public int rows() {
      return rows.size();
    }

    @Override
    public float[] admit(int[] at, int[] prompt, int sharedPrefix) {
      if (!continuous) {
        throw new UnsupportedOperationException("static batch");
      }
      if (prompt.length == 0 || prompt.length > maxPositions || Arrays.stream(prompt).anyMatch(t -> t < 0 || t >= vocab)) {
        throw new IllegalArgumentException("bad prompt");
      }
      admittedRows.add(at.length);
      for (int r : at) {
        rows.set(r, prompt.clone());
      }
      hostRead("admit");
      return logits.apply(prompt);
    }

    @Override
    public int admitsAtOnce() {
      return admitsAtOnce;
    }

    @Override
    public float[][] admit(List<dev.sparkgen.model.Admission> prompts) {
      if (prompts.size() > admitsAtOnce) {
        throw new IllegalStateException(prompts.size() + " prompts in one call, more than " + admitsAtOnce);
      }
      for (dev.sparkgen.model.Admission a : prompts) { // checked first, as CausalLm's batch does
        if (a.prompt().length == 0 || a.prompt().length > maxPositions
            || Arrays.stream(a.prompt()).anyMatch(t -> t < 0 || t >= vocab)) {
          refusedCalls += prompts.size() > 1 ? 1 : 0;
          throw new IllegalArgumentException("bad prompt");
        }
      }
      admissionCalls.add(prompts.size());
      return DecodeBatch.super.admit(prompts);
    }

    @Override
    public <T> T admit(List<dev.sparkgen.model.Admission> prompts, LogitsReader<T> reader) {
      deviceReads.add("admit");
      reading = true;
      try {
        return DecodeBatch.super.admit(prompts, reader);
      } finally {
        reading = false;
      }
    }

    @Override
    public float[][] prefill() {
      if (continuous) {
        throw new IllegalStateException("continuous");
      }
      prefillRows.add(rows.size());
      hostRead("prefill");
      return all();
    }

    @Override
    public <T> T prefill(LogitsReader<T> reader) {
      deviceReads.add("prefill");
      reading = true;
      try {
        return DecodeBatch.super.prefill(reader);
      } finally {
        reading = false;
      }
    }

    @Override
    public <T> T step(int[] tokens, LogitsReader<T> reader) {
      deviceReads.add("step");
      reading = true;
      try {
        return DecodeBatch.super.step(tokens, reader);
      } finally {
        reading = false;
      }
    }

    private void hostRead(String what) {
      if (!reading) {
        hostReads.add(what);
      }
    }

    @Override
    public float[][] step(int[] tokens) {
      hostRead("step");
      if (tokens.length != rows.size()) {
        throw new IllegalArgumentException("expected " + rows.size() + " tokens, got " + tokens.length);
      }
      stepRows.add(rows.size());
      for (int r = 0; r < tokens.length; r++) {
        int[] row = rows.get(r);
        if (row == null) {
          throw new IllegalStateException("row " + r + " is vacant");
        }
        if (row.length >= maxPositions || stepsLeft <= 0) {
          throw new IllegalStateException("row " + r + " is full");
        }
        int[] longer = Arrays.copyOf(row, row.length + 1);
        longer[row.length] = tokens[r];
        rows.set(r, longer);
      }
      stepsLeft--;
      return all();
    }

    private float[][] all() {
      float[][] out = new float[rows.size()][];
      for (int r = 0; r < out.length; r++) {
        out[r] = logits.apply(rows.get(r));
      }
      return out;
    }

    @Override
    public void select(int[] keep) {
      List<int[]> next = new ArrayList<>();
      for (int r : keep) {
        next.add(rows.get(r));
      }
      rows = next;
    }

    @Override
    public int remaining(int row) {
      return Math.min(stepsLeft, maxPositions - rows.get(row).length);
    }

    @Override
    public void close() {}
  }
}
