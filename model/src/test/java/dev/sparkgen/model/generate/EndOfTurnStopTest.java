package dev.sparkgen.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkgen.model.chat.ChatTokenizers;
import dev.sparkgen.model.chat.ModelChatTemplate;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An instruct model's turn ends at any id of generation_config.json's eos list (Llama 3:
 * {@code <|eot_id|>} and {@code <|end_of_text|>}), read by {@link GenerationConfig#forModel}; the
 * text skips the end-of-turn token.
 */
class EndOfTurnStopTest {
  static final List<String> SPECIALS = List.of("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
      "<|end_header_id|>", "<|eot_id|>");
  static final int END_OF_TEXT = ChatTokenizers.id(SPECIALS, "<|end_of_text|>");
  static final int EOT = ChatTokenizers.id(SPECIALS, "<|eot_id|>");

  /** A model that, after the prompt, writes {@code script} then 0, 1, 2 ... */
  private static TableModel scripted(int promptLength, int... script) {
    int vocab = ChatTokenizers.GPT2_VOCAB + SPECIALS.size();
    return new TableModel(vocab, 512, seq -> {
      int k = seq.length - promptLength;
      float[] logits = new float[vocab];
      logits[k < script.length ? script[k] : k - script.length] = 5f;
      return logits;
    });
  }

  @Test
  void everyEosIdOfGenerationConfigEndsTheTurn(@TempDir Path dir) throws Exception {
    Path template = Path.of("src/test/resources/chat-templates/llama-3.2-instruct");
    Files.copy(template.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
    Files.writeString(dir.resolve("generation_config.json"),
        "{\"bos_token_id\": " + ChatTokenizers.id(SPECIALS, "<|begin_of_text|>") + ", \"eos_token_id\": [" + EOT + ", "
            + END_OF_TEXT + "], \"max_new_tokens\": 8}");
    GenerationConfig config = GenerationConfig.forModel(dir);
    assertEquals(List.of(EOT, END_OF_TEXT), config.eosTokenId());

    try (Tokenizer tokenizer = Tokenizer.load(ChatTokenizers.write(dir, SPECIALS, null))) {
      String text = ModelChatTemplate.load(dir, null).apply(List.of(Map.of("role", "user", "content", "Capital of France?")),
          true, Map.of("date_string", "26 Jul 2024"));
      int[] prompt = tokenizer.encode(text);
      int[] answer = tokenizer.encode("Paris.");
      for (int eos : new int[] {EOT, END_OF_TEXT}) {
        int[] script = IntStream.concat(IntStream.of(answer), IntStream.of(eos, 7, 8)).toArray();
        Sequence s = new Generator(scripted(prompt.length, script), config, tokenizer)
            .generate(List.of(new PromptInput(1, prompt)), 1).get(0).get(0);
        assertArrayEquals(IntStream.concat(IntStream.of(answer), IntStream.of(eos)).toArray(), s.tokenIds());
        assertEquals(FinishReason.EOS, s.finishReason());
        assertEquals("Paris.", s.text());
        Sequence kept = new Generator(scripted(prompt.length, script), config, tokenizer, false)
            .generate(List.of(new PromptInput(1, prompt)), 1).get(0).get(0);
        assertEquals("Paris." + SPECIALS.get(SPECIALS.indexOf(eos == EOT ? "<|eot_id|>" : "<|end_of_text|>")), kept.text(),
            "skip_special_tokens=false keeps the end-of-turn token in the text");
      }
      // With only <|eot_id|> as eos (config.json's single id), <|end_of_text|> does not end the turn.
      GenerationConfig eotOnly = GenerationConfig.fromMap(Map.of("eos_token_id", Integer.toString(EOT)), config);
      int[] script = IntStream.concat(IntStream.of(answer), IntStream.of(END_OF_TEXT, 7, 8)).toArray();
      Sequence s = new Generator(scripted(prompt.length, script), eotOnly, tokenizer)
          .generate(List.of(new PromptInput(1, prompt)), 1).get(0).get(0);
      assertEquals(8, s.tokenIds().length);
      assertEquals(FinishReason.LENGTH, s.finishReason());
    }
  }
}
