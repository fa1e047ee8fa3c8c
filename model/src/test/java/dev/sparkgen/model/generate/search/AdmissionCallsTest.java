package dev.sparkgen.model.generate.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@link ContinuousDecoding} splits the prompts waiting for free rows into admission calls. */
class AdmissionCallsTest {

  private static List<ContinuousDecoding.Waiting> waiting(int... widths) {
    List<ContinuousDecoding.Waiting> out = new ArrayList<>();
    for (int p = 0; p < widths.length; p++) {
      out.add(new ContinuousDecoding.Waiting(p, List.of(new int[] {p, 0}), widths[p]));
    }
    return out;
  }

  private static List<List<Integer>> prompts(List<List<ContinuousDecoding.Waiting>> calls) {
    return calls.stream().map(c -> c.stream().map(ContinuousDecoding.Waiting::prompt).toList()).toList();
  }

  @Test
  void promptsOfSimilarWidthGoTogetherWidestFirst() {
    // Widths 96, 10, 90, 72, 80, 8, 9, 96: the wide ones (>= 3/4 of 96 = 72) in one call, then 10, 9, 8.
    List<ContinuousDecoding.Waiting> w = waiting(96, 10, 90, 72, 80, 8, 9, 96);
    assertEquals(List.of(List.of(0, 7, 2, 4, 3), List.of(1, 6, 5)), prompts(ContinuousDecoding.calls(w, 8)));
    // 71 < 72: a call of its own width starts.
    assertEquals(List.of(List.of(0), List.of(1, 2)), prompts(ContinuousDecoding.calls(waiting(96, 71, 60), 8)));
  }

  @Test
  void callsTakeAtMostWhatTheBatchTakesAndOneByOneKeepsQueueOrder() {
    List<ContinuousDecoding.Waiting> w = waiting(96, 10, 90, 72, 80, 8, 9, 96);
    assertEquals(List.of(List.of(0, 7), List.of(2, 4), List.of(3), List.of(1, 6), List.of(5)),
        prompts(ContinuousDecoding.calls(w, 2)));
    assertEquals(List.of(List.of(0), List.of(1), List.of(2), List.of(3), List.of(4), List.of(5), List.of(6),
        List.of(7)), prompts(ContinuousDecoding.calls(w, 1)));
    assertEquals(List.of(), ContinuousDecoding.calls(List.of(), 8));
  }
}
