package dev.sparkgen.model.generate.logits;

import dev.sparkgen.model.generate.constraint.AllowedTokens;
import dev.sparkgen.model.generate.constraint.TokenConstraint;
import java.util.Arrays;
import java.util.List;

/**
 * Structured output: bans (-inf) every token that would take the row's text out of its response
 * format, and allows eos only where the text is complete. Rows without a format
 * ({@link TokenHistory#constraint()} null) pass untouched. It plays the part of transformers'
 * {@code PrefixConstrainedLogitsProcessor}, at the same place in the order (after the
 * min-new-tokens eos ban, before the sampling warpers), so top-k and top-p choose among allowed
 * tokens only.
 *
 * <p>When earlier rules (no_repeat_ngram_size, min_new_tokens) have banned every token the format
 * allows, the format wins: its allowed tokens (and eos, if the text is complete) get score 0, so
 * the row stays inside the format rather than leave it.
 */
public final class ResponseFormatProcessor implements LogitsProcessor {
  private final int[] eos;

  /** {@code eos}: the ids allowed where the text is complete. */
  public ResponseFormatProcessor(List<Integer> eos) {
    this.eos = eos.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public void process(TokenHistory history, float[] scores) {
    TokenConstraint constraint = history.constraint();
    if (constraint == null) {
      return;
    }
    int state = history.constraintState();
    boolean complete = constraint.accepting(state);
    float[] eosScores = new float[eos.length];
    for (int i = 0; i < eos.length; i++) {
      eosScores[i] = eos[i] < scores.length ? scores[eos[i]] : Float.NEGATIVE_INFINITY;
    }
    AllowedTokens allowed = state < 0 ? null : constraint.allowed(state);
    if (allowed == null) {
      Arrays.fill(scores, Float.NEGATIVE_INFINITY); // already outside the format: nothing can repair it
    } else {
      allowed.mask(scores);
    }
    if (complete) {
      for (int i = 0; i < eos.length; i++) {
        if (eos[i] < scores.length) {
          scores[eos[i]] = eosScores[i];
        }
      }
    }
    if (allowed != null && !anyFinite(scores)) {
      for (int id : allowed.ids()) {
        if (id < scores.length) {
          scores[id] = 0f;
        }
      }
      if (complete) {
        for (int id : eos) {
          if (id < scores.length) {
            scores[id] = 0f;
          }
        }
      }
    }
  }

  private static boolean anyFinite(float[] scores) {
    for (float s : scores) {
      if (s != Float.NEGATIVE_INFINITY) {
        return true;
      }
    }
    return false;
  }
}
