package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.generate.EarlyStopping;
import dev.sparkgen.model.generate.FinishReason;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.constraint.TokenConstraint;
import dev.sparkgen.model.generate.logits.LogitsPipeline;
import dev.sparkgen.model.generate.logits.TokenHistory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One prompt's beam search, as transformers' {@code _beam_search} (>= 4.50) runs it for a prompt
 * alone: running beams, up to num_beams finished hypotheses, and the sticky "done" flag.
 */
final class BeamState {
  private static final double NEG = -1.0e9; // HF's "never pick this" offset

  private final int numBeams;
  private final int candidates; // K = max(2, 1 + n_eos) * num_beams
  private final double lengthPenalty;
  private final EarlyStopping earlyStopping;
  private final int limit; // most tokens this prompt may generate
  private final Set<Integer> eos;
  private final LogitsPipeline pipeline;
  private final StopStrings stops;
  private final ContinuationText continuation;
  private List<Beam> running = new ArrayList<>();
  private final List<BeamHypothesis> finished = new ArrayList<>(); // best first
  private boolean improvable = true; // HF's is_early_stop_heuristic_unsatisfied
  private boolean over;
  private int generated;

  BeamState(GenerationConfig config, int[] prompt, int row, int limit, Set<Integer> eos, LogitsPipeline pipeline,
      StopStrings stops) {
    this(config, prompt, null, row, limit, eos, pipeline, stops);
  }

  /** {@code constraint}: the prompt's response format, or null. */
  BeamState(GenerationConfig config, int[] prompt, TokenConstraint constraint, int row, int limit, Set<Integer> eos,
      LogitsPipeline pipeline, StopStrings stops) {
    this.numBeams = config.numBeams();
    this.candidates = Math.max(2, 1 + eos.size()) * numBeams;
    this.lengthPenalty = config.lengthPenalty();
    this.earlyStopping = config.earlyStopping();
    this.limit = limit;
    this.eos = eos;
    this.pipeline = pipeline;
    this.stops = stops;
    this.continuation = stops.continuation(prompt);
    // Beam 0 starts at 0 and the others at -1e9, so the first step expands beam 0 only; all share
    // the one prefilled row (no duplicate prefill).
    TokenHistory h = new TokenHistory(prompt, constraint);
    for (int b = 0; b < numBeams; b++) {
      running.add(new Beam(h, b == 0 ? 0 : NEG, new float[0], row, -1));
    }
    over = limit <= 0;
  }

  /** Whether this prompt needs no more steps. */
  boolean over() {
    return over;
  }

  /** The running beams (in the order their rows must take after {@link #advance}). */
  List<Beam> running() {
    return running;
  }

  /** A continuation of a running beam by one token; {@code reason} is non-null when it stops there. */
  private record Candidate(Beam beam, int token, double sum, float rawLogprob, FinishReason reason, String text) {}

  /**
   * One step: scores every (beam, token) from {@code logits} (the batch's rows, [rows][V]), picks
   * the K best continuations, updates the finished hypotheses and the next running beams.
   */
  void advance(float[][] logits) {
    List<Candidate> top = candidates(logits);
    int newLength = generated + 1;
    // Finished hypotheses: only stopping candidates ranked < num_beams, and only while the prompt
    // can still improve (and, with early_stopping=true, has a free slot).
    boolean full = finished.size() == numBeams && earlyStopping == EarlyStopping.TRUE;
    if (improvable && !full) {
      for (Candidate c : top.subList(0, Math.min(numBeams, top.size()))) {
        if (c.reason() != null) {
          offer(c, c.sum() / Math.pow(newLength, lengthPenalty));
        }
      }
    }
    // Next running beams: the best num_beams candidates after pushing stopped ones down by 1e9.
    CandidateHeap next = new CandidateHeap(numBeams);
    for (int i = 0; i < top.size(); i++) {
      next.offer(top.get(i).sum() + (top.get(i).reason() != null ? NEG : 0), i);
    }
    double[] nextScores = new double[numBeams];
    int[] chosen = next.drain(nextScores);
    List<Beam> nextRunning = new ArrayList<>();
    for (int i = 0; i < chosen.length; i++) {
      Candidate c = top.get(chosen[i]);
      nextRunning.add(c.beam().extend(c.token(), nextScores[i], c.rawLogprob()));
    }
    running = nextRunning;
    generated = newLength;
    if (finished.size() == numBeams) {
      // Done (sticky) once the best running beam cannot beat the worst finished one.
      int length = earlyStopping == EarlyStopping.NEVER && lengthPenalty > 0 ? limit : generated;
      double best = running.get(0).score / Math.pow(length, lengthPenalty);
      if (best <= finished.get(finished.size() - 1).score()) {
        improvable = false;
      }
    }
    boolean slotsFull = finished.size() == numBeams && earlyStopping == EarlyStopping.TRUE;
    boolean allStop = top.stream().allMatch(c -> c.reason() != null);
    over = !improvable || slotsFull || allStop;
  }

  /** The K best (beam, token) continuations, best first, each with its stop reason if any. */
  private List<Candidate> candidates(float[][] logits) {
    int vocab = logits[0].length;
    // Per beam: raw log_softmax and processed scores ([V] each); beams sharing a row share both.
    Map<Integer, float[][]> byRow = new HashMap<>();
    float[][] raw = new float[numBeams][];
    float[][] processed = new float[numBeams][];
    for (int b = 0; b < numBeams; b++) {
      Beam beam = running.get(b);
      float[][] rp = byRow.computeIfAbsent(beam.row, r -> {
        float[] lp = LogSoftmax.of(logits[r]);
        return new float[][] {lp, pipeline.apply(beam.history, lp.clone())};
      });
      raw[b] = rp[0];
      processed[b] = rp[1];
    }
    int k = Math.min(candidates, numBeams * vocab);
    CandidateHeap heap = new CandidateHeap(k);
    for (int b = 0; b < numBeams; b++) {
      double base = running.get(b).score;
      for (int t = 0; t < vocab; t++) {
        heap.offer(base + processed[b][t], b * vocab + t);
      }
    }
    double[] sums = new double[k];
    int[] flat = heap.drain(sums);
    List<Candidate> out = new ArrayList<>(k);
    for (int c = 0; c < k; c++) {
      int b = flat[c] / vocab;
      int token = flat[c] % vocab;
      Beam beam = running.get(b);
      FinishReason reason = null;
      String text = null;
      if (eos.contains(token)) {
        reason = FinishReason.EOS;
      } else if (stops.active()) {
        text = continuation.of(appended(beam.history.generatedIds(), token));
        int at = stops.find(text);
        if (at >= 0) {
          reason = FinishReason.STOP;
          text = text.substring(0, at);
        }
      }
      if (reason == null && generated + 1 >= limit) {
        reason = FinishReason.LENGTH;
      }
      out.add(new Candidate(beam, token, sums[c], raw[b][token], reason, text));
    }
    return out;
  }

  /** Adds a stopping candidate with normalised {@code score} if it beats the worst slot. */
  private void offer(Candidate c, double score) {
    double worst = finished.size() < numBeams ? NEG : finished.get(finished.size() - 1).score();
    if (!(score > worst)) {
      return;
    }
    float[] raw = Arrays.copyOf(c.beam().rawLogprobs, c.beam().rawLogprobs.length + 1);
    raw[raw.length - 1] = c.rawLogprob();
    int at = 0;
    while (at < finished.size() && finished.get(at).score() >= score) {
      at++;
    }
    String text = c.reason() == FinishReason.STOP ? c.text() : null;
    finished.add(at, new BeamHypothesis(appended(c.beam().history.generatedIds(), c.token()), score, raw, c.reason(), text));
    if (finished.size() > numBeams) {
      finished.remove(finished.size() - 1);
    }
  }

  /** The best {@code count} hypotheses as sequences, best first. */
  List<Sequence> result(int count, boolean outputLogprobs) {
    List<Sequence> out = new ArrayList<>();
    for (int i = 0; i < Math.min(count, finished.size()); i++) {
      BeamHypothesis h = finished.get(i);
      double sum = 0;
      for (float x : h.rawLogprobs()) {
        sum += x;
      }
      String decoded = h.reason() == FinishReason.STOP ? h.text() : continuation.of(h.tokens());
      out.add(new Sequence(i, h.tokens(), decoded, h.reason(), sum, outputLogprobs ? h.rawLogprobs() : null, h.score()));
    }
    if (out.isEmpty() && limit <= 0) {
      for (int i = 0; i < count; i++) { // a prompt that already fills the context
        out.add(new Sequence(i, new int[0], continuation.of(new int[0]), FinishReason.LENGTH, 0.0,
            outputLogprobs ? new float[0] : null, 0.0));
      }
    }
    return out;
  }

  private static int[] appended(int[] ids, int token) {
    int[] out = Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = token;
    return out;
  }
}
