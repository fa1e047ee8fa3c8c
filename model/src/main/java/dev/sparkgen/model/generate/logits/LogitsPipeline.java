package dev.sparkgen.model.generate.logits;

import ai.djl.ndarray.NDArray;
import dev.sparkgen.model.generate.GenerationConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The ordered logits processors of a configuration: the one place that fixes Hugging Face's
 * order (repetition penalty, no-repeat-ngram, min-new-tokens eos ban, the response format where
 * rows have one, then, when sampling only, temperature, top-k, top-p, min-p). Processors that
 * would change nothing are left out.
 */
public final class LogitsPipeline {
  private final List<LogitsProcessor> processors;

  /** The given processors, applied in list order. */
  public LogitsPipeline(List<LogitsProcessor> processors) {
    this.processors = List.copyOf(processors);
  }

  /** The pipeline Hugging Face's {@code generate} builds for {@code config}. */
  public static LogitsPipeline forConfig(GenerationConfig config) {
    return forConfig(config, false);
  }

  /**
   * As above; with {@code responseFormats}, a {@link ResponseFormatProcessor} is added for rows
   * that carry a response format (leave it out for batches without any, so plain greedy keeps its
   * on-device argmax).
   */
  public static LogitsPipeline forConfig(GenerationConfig config, boolean responseFormats) {
    List<LogitsProcessor> p = new ArrayList<>();
    if (config.repetitionPenalty() != 1.0) {
      p.add(new RepetitionPenaltyProcessor(config.repetitionPenalty()));
    }
    if (config.noRepeatNgramSize() > 0) {
      p.add(new NoRepeatNGramProcessor(config.noRepeatNgramSize()));
    }
    if (config.minNewTokens() > 0 && !config.eosTokenId().isEmpty()) {
      p.add(new MinNewTokensProcessor(config.minNewTokens(), config.eosTokenId()));
    }
    if (responseFormats) {
      p.add(new ResponseFormatProcessor(config.eosTokenId()));
    }
    if (config.doSample()) {
      int minTokensToKeep = 1; // HF uses 2 only for beam sampling, which is not supported
      if (config.temperature() != 1.0) {
        p.add(new TemperatureWarper(config.temperature()));
      }
      if (config.topK() > 0) {
        p.add(new TopKWarper(config.topK(), minTokensToKeep));
      }
      if (config.topP() < 1.0) {
        p.add(new TopPWarper(config.topP(), minTokensToKeep));
      }
      if (config.minP() > 0) {
        p.add(new MinPWarper(config.minP(), minTokensToKeep));
      }
    }
    return new LogitsPipeline(p);
  }

  /** Applies every processor in order to {@code scores} ([vocab]) in place and returns it. */
  public float[] apply(TokenHistory history, float[] scores) {
    for (LogitsProcessor processor : processors) {
      processor.process(history, scores);
    }
    return scores;
  }

  /**
   * Whether every processor has a device form ({@link LogitsProcessor#runsOnDevice()}); only the
   * response format has none, so a pipeline built with {@code responseFormats} stays on the host.
   */
  public boolean runsOnDevice() {
    return processors.stream().allMatch(LogitsProcessor::runsOnDevice);
  }

  /**
   * Applies every processor in order to a batch's {@code scores} ([rows, vocab] float32, where the
   * model computed them; {@code histories} aligned with the rows) and returns the processed scores;
   * equal to {@link #apply(TokenHistory, float[])} row by row for rows without NaN or +inf. Only
   * when {@link #runsOnDevice()}.
   */
  public NDArray apply(List<TokenHistory> histories, NDArray scores) {
    return apply(histories, DeviceScores.full(scores)).toFull();
  }

  /** As above, keeping the form the processors hand on (compact after top-k or top-p). */
  public DeviceScores apply(List<TokenHistory> histories, DeviceScores scores) {
    if (histories.size() != scores.values().getShape().get(0)) {
      throw new IllegalArgumentException(histories.size() + " histories for " + scores.values().getShape().get(0) + " rows");
    }
    DeviceScores out = scores;
    for (LogitsProcessor processor : processors) {
      out = processor.process(histories, out);
    }
    return out;
  }

  /** The processors, in the order they run. */
  public List<LogitsProcessor> processors() {
    return processors;
  }
}
