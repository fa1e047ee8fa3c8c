package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.generate.FinishReason;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.generate.constraint.TokenConstraint;
import dev.sparkgen.model.generate.logits.TokenHistory;
import java.util.Arrays;
import java.util.function.DoubleSupplier;

/** One row of greedy or sampling decoding: its tokens, log-probabilities and why it ended. */
final class DecodeRow {
  final int prompt; // index of the prompt in the chunk
  final int sampleIndex;
  final TokenHistory history;
  final DoubleSupplier uniforms;
  final ContinuationText continuation;
  TokenSampling rules; // the search of this row's own settings (per-row generation settings)
  int limit; // the most tokens this row may generate (max_new_tokens, capped by the context)
  float[] logprobs = new float[8];
  double cumulative;
  FinishReason reason;
  String text;

  DecodeRow(int prompt, int sampleIndex, int[] promptIds, TokenConstraint constraint, DoubleSupplier uniforms,
      ContinuationText continuation) {
    this.prompt = prompt;
    this.sampleIndex = sampleIndex;
    this.history = new TokenHistory(promptIds, constraint);
    this.uniforms = uniforms;
    this.continuation = continuation;
  }

  void append(int token, float logprob) {
    int n = history.generated();
    if (n == logprobs.length) {
      logprobs = Arrays.copyOf(logprobs, n * 2);
    }
    logprobs[n] = logprob;
    cumulative += logprob;
    history.append(token);
  }

  boolean finished() {
    return reason != null;
  }

  Sequence toSequence(boolean outputLogprobs) {
    int n = history.generated();
    return new Sequence(sampleIndex, history.generatedIds(), text, reason, cumulative,
        outputLogprobs ? Arrays.copyOf(logprobs, n) : null, null);
  }
}
