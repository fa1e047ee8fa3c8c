package dev.sparkgen.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The model's own guard: a batch refuses prompts it cannot run, whoever built them. */
class PromptGuardTest {
  @Test
  void emptyTooLongAndOutOfVocabularyPromptsAreRefused() {
    try (CausalLm lm = TinyModels.model(TinyModels.gpt2(16, 8, 1, 2, 16, 8), 3)) {
      assertRefused(lm, new int[0], "empty prompt");
      assertRefused(lm, new int[9], "prompt of 9 tokens exceeds the context of 8");
      assertRefused(lm, new int[] {1, 16}, "token id 16 is outside the vocabulary [0, 16)");
      assertRefused(lm, new int[] {-1}, "token id -1 is outside the vocabulary [0, 16)");
    }
  }

  private static void assertRefused(CausalLm lm, int[] prompt, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> lm.open(List.of(new int[] {1}, prompt), 2).close());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
