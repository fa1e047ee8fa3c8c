package dev.sparkgen.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rendered chat prompts as tokens: one BOS, special tokens as single ids, skipped when decoding. */
class ChatTokensTest {
  static final List<String> LLAMA3 = List.of("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
      "<|end_header_id|>", "<|eot_id|>");
  static final Path LLAMA_TEMPLATE = ChatTemplateCasesTest.ROOT.resolve("llama-3.2-instruct");

  @Test
  void aLlama3PromptHasExactlyOneBos(@TempDir Path dir) throws Exception {
    Path file = ChatTokenizers.write(dir, LLAMA3, "<|begin_of_text|>");
    int bos = ChatTokenizers.id(LLAMA3, "<|begin_of_text|>");
    String text = ModelChatTemplate.load(LLAMA_TEMPLATE, null)
        .apply(List.of(Map.of("role", "user", "content", "Hi")), true, Map.of("date_string", "26 Jul 2024"));
    assertTrue(text.startsWith("<|begin_of_text|>"), "the template writes BOS itself");
    try (Tokenizer tokenizer = Tokenizer.load(file)) {
      int[] ids = tokenizer.encode(text);
      assertEquals(bos, ids[0]);
      assertEquals(1, Arrays.stream(ids).filter(i -> i == bos).count(), "no doubled BOS");
      int[] eot = Arrays.stream(ids).filter(i -> i == ChatTokenizers.id(LLAMA3, "<|eot_id|>")).toArray();
      assertEquals(2, eot.length, "<|eot_id|> is one id, after the system and the user turn");
    }
    // What encoding with special tokens (the plain-prompt rule) would have done to this text:
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "true"))) {
      long[] withSpecials = hf.encode(text).getIds();
      assertEquals(2, Arrays.stream(withSpecials).filter(i -> i == bos).count(), "the post-processor adds a second BOS");
    }
  }

  @Test
  void specialTokensAreSkippedWhenDecodingOnlyWhenAsked(@TempDir Path dir) throws Exception {
    try (Tokenizer tokenizer = Tokenizer.load(ChatTokenizers.write(dir, LLAMA3, null))) {
      int[] ids = tokenizer.encode("Paris.<|eot_id|>");
      assertEquals(ChatTokenizers.id(LLAMA3, "<|eot_id|>"), ids[ids.length - 1]);
      assertEquals("Paris.", tokenizer.decode(ids, true));
      assertEquals("Paris.<|eot_id|>", tokenizer.decode(ids, false));
    }
  }

  @Test
  void reasoningOpenedByThePromptIsSplitAtTheClosingTag() {
    String prompt = "<|im_start|>assistant\n<think>\n";
    assertTrue(ReasoningSplit.opensReasoning(prompt));
    ReasoningSplit s = ReasoningSplit.of("Add them.\n</think>\n\n4", true);
    assertEquals("Add them.", s.reasoning());
    assertEquals("4", s.content());
  }

  @Test
  void reasoningOpenedByTheModel() {
    ReasoningSplit s = ReasoningSplit.of("<think>\nhmm\n</think>\n\nanswer </think> kept", false);
    assertEquals("hmm", s.reasoning());
    assertEquals("answer </think> kept", s.content(), "only the first closing tag ends the reasoning");
  }

  @Test
  void unclosedReasoningIsAllReasoning() {
    ReasoningSplit s = ReasoningSplit.of("still thinking when max_new_tokens ran out", true);
    assertEquals("still thinking when max_new_tokens ran out", s.reasoning());
    assertEquals("", s.content());
  }

  @Test
  void noReasoningBlockLeavesTheTextAlone() {
    // Qwen3 with enable_thinking=false writes an empty, closed block into the prompt.
    String prompt = "<|im_start|>assistant\n<think>\n\n</think>\n\n";
    assertFalse(ReasoningSplit.opensReasoning(prompt));
    ReasoningSplit s = ReasoningSplit.of("\nJust the answer.", false);
    assertNull(s.reasoning());
    assertEquals("\nJust the answer.", s.content());
  }

  @Test
  void qwen3ThinkingTemplatesOpenTheBlock() throws Exception {
    List<Map<String, Object>> conv = List.of(Map.of("role", "user", "content", "2+2?"));
    Path root = ChatTemplateCasesTest.ROOT;
    assertTrue(ReasoningSplit.opensReasoning(ModelChatTemplate.load(root.resolve("qwen3-thinking-2507"), null).apply(conv, true, Map.of())));
    ModelChatTemplate hybrid = ModelChatTemplate.load(root.resolve("qwen3"), null);
    assertFalse(ReasoningSplit.opensReasoning(hybrid.apply(conv, true, Map.of())));
    assertFalse(ReasoningSplit.opensReasoning(hybrid.apply(conv, true, Map.of("enable_thinking", false))));
    assertTrue(Files.isDirectory(root));
  }
}
