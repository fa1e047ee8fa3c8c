package dev.sparkgen.report;

import java.util.List;
import java.util.Map;

/** A decoding strategy of the degeneration report: a name and the generation settings it sets. */
public record Strategy(String name, Map<String, String> settings) {

  /**
   * The strategies of Holtzman et al.'s comparison that the report runs. Sampling strategies set
   * {@code top_k=0} where they mean no top-k, since Hugging Face's default top_k is 50.
   */
  public static final List<Strategy> STANDARD = List.of(
      new Strategy("greedy", Map.of("do_sample", "false", "num_beams", "1")),
      new Strategy("beam 4", Map.of("do_sample", "false", "num_beams", "4")),
      new Strategy("pure sampling", Map.of("do_sample", "true", "top_k", "0", "top_p", "1.0", "temperature", "1.0")),
      new Strategy("temperature 0.7", Map.of("do_sample", "true", "top_k", "0", "top_p", "1.0", "temperature", "0.7")),
      new Strategy("top-k 40", Map.of("do_sample", "true", "top_k", "40", "top_p", "1.0", "temperature", "1.0")),
      new Strategy("top-p 0.95", Map.of("do_sample", "true", "top_k", "0", "top_p", "0.95", "temperature", "1.0")));
}
