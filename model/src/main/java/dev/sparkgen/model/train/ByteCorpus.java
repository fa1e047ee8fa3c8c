package dev.sparkgen.model.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A corpus file of fortunes separated by lines holding a single {@code %}, as one token stream:
 * each fortune's bytes followed by {@link ByteTokenizer#EOS}.
 */
public record ByteCorpus(Path file, List<String> documents, int[] tokens) {

  /** Reads and tokenises a corpus file. */
  public static ByteCorpus read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    List<String> docs = new ArrayList<>();
    for (String d : text.split("\n%\n")) {
      String t = d.strip();
      if (!t.isEmpty()) {
        docs.add(t);
      }
    }
    int n = 0;
    List<int[]> encoded = new ArrayList<>();
    for (String d : docs) {
      int[] ids = ByteTokenizer.encode(d);
      encoded.add(ids);
      n += ids.length + 1;
    }
    int[] tokens = new int[n];
    int at = 0;
    for (int[] ids : encoded) {
      System.arraycopy(ids, 0, tokens, at, ids.length);
      at += ids.length;
      tokens[at++] = ByteTokenizer.EOS;
    }
    return new ByteCorpus(file, List.copyOf(docs), tokens);
  }

  /**
   * Cross-entropy (nats per token) of this corpus under a unigram model fitted on {@code train}
   * with add-one smoothing: the baseline a trained model must beat.
   */
  public double unigramCrossEntropy(ByteCorpus train) {
    double[] counts = new double[ByteTokenizer.VOCAB];
    java.util.Arrays.fill(counts, 1.0);
    for (int t : train.tokens()) {
      counts[t]++;
    }
    double total = 0;
    for (double c : counts) {
      total += c;
    }
    double nll = 0;
    for (int t : tokens) {
      nll -= Math.log(counts[t] / total);
    }
    return nll / tokens.length;
  }
}
