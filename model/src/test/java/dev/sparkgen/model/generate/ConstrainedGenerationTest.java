package dev.sparkgen.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.CausalLm;
import dev.sparkgen.model.TinyModels;
import dev.sparkgen.model.generate.constraint.ResponseFormat;
import dev.sparkgen.model.generate.constraint.SchemaValidation;
import dev.sparkgen.model.tokenizer.TestTokenizers;
import dev.sparkgen.model.generate.constraint.TokenConstraint;
import dev.sparkgen.model.generate.constraint.TokenVocabulary;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generation under response formats with the real GPT-2 tokenizer and a random-weight model of
 * GPT-2's vocabulary: every eos row is valid (schemas checked by networknt's validator), with
 * greedy, sampling, beam search and several samples; a row's result does not depend on its batch.
 */
class ConstrainedGenerationTest {
  static final String SCHEMA = """
      {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": 10},
        "kind": {"enum": ["cat", "dog", "other"]},
        "ok": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 4}, "maxItems": 2},
        "when": {"type": ["string", "null"], "format": "date"}},
       "required": ["name", "kind", "ok", "tags"], "additionalProperties": false}""";
  static final String REGEX = "[A-Z][a-z]{1,6} [0-9]{2}";
  static final List<String> CHOICES = List.of("positive", "negative", "neutral");

  static CausalLm model;
  static Tokenizer tokenizer;
  static TokenVocabulary vocabulary;

  @BeforeAll
  static void load() {
    model = TinyModels.model(TinyModels.gpt2(50257, 32, 2, 4, 64, 256), 11);
    tokenizer = Tokenizer.load(TestTokenizers.GPT2);
    vocabulary = TokenVocabulary.load(TestTokenizers.GPT2);
  }

  @AfterAll
  static void close() {
    model.close();
    tokenizer.close();
  }

  private static GenerationConfig config(String... keyValues) {
    Map<String, String> m = new HashMap<>(Map.of("eos_token_id", "50256", "max_new_tokens", "48"));
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return GenerationConfig.fromMap(m, GenerationConfig.defaults());
  }

  private static TokenConstraint constraint(String setting) {
    return vocabulary.constraint(ResponseFormat.parse(setting), 0);
  }

  private static List<PromptInput> prompts(TokenConstraint c, int n) {
    String[] texts = {"Describe a pet:", "The answer is", "{\"", "Once upon a time", "JSON:", "Q: name? A:", "x", "Hello"};
    List<PromptInput> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new PromptInput(100 + i, tokenizer.encode(texts[i % texts.length] + " " + i), c));
    }
    return out;
  }

  /** The text before a final eos, checked by {@code valid}; returns how many rows ended with eos. */
  private static int checkEosRows(List<List<Sequence>> results, java.util.function.Predicate<String> valid, String what) {
    int eos = 0;
    for (List<Sequence> seqs : results) {
      for (Sequence s : seqs) {
        int[] ids = s.tokenIds();
        if (s.finishReason() == FinishReason.EOS) {
          eos++;
          assertEquals(50256, ids[ids.length - 1]);
          String text = tokenizer.decode(java.util.Arrays.copyOf(ids, ids.length - 1), true);
          assertEquals(text, s.text(), "the row's text is the decoded format text");
          assertTrue(valid.test(text), what + ": eos row is not valid: " + text);
        } else {
          assertEquals(FinishReason.LENGTH, s.finishReason());
          assertEquals(48, ids.length);
        }
      }
    }
    return eos;
  }

  @ParameterizedTest
  @ValueSource(strings = {"greedy", "sampling", "beams", "samples"})
  void everyEosRowIsValidForSchemaRegexAndChoice(String mode) {
    String[] settings = {"do_sample", "false"};
    switch (mode) {
      case "sampling" -> settings = new String[] {"do_sample", "true", "top_k", "0", "seed", "5"};
      case "beams" -> settings = new String[] {"num_beams", "3", "num_return_sequences", "2"};
      case "samples" -> settings = new String[] {"do_sample", "true", "num_return_sequences", "3", "top_p", "0.9"};
      default -> { }
    }
    Generator g = new Generator(model, config(settings), tokenizer);
    SchemaValidation schema = SchemaValidation.of(SCHEMA);
    int schemaEos = checkEosRows(g.generate(prompts(constraint("json_schema:" + SCHEMA), 6), 6),
        t -> schema.errors(t).isEmpty(), mode + " schema");
    int regexEos = checkEosRows(g.generate(prompts(constraint("regex:" + REGEX), 6), 6),
        t -> Pattern.matches(REGEX, t), mode + " regex");
    int choiceEos = checkEosRows(g.generate(prompts(constraint("choice:[\"positive\", \"negative\", \"neutral\"]"), 6), 6),
        CHOICES::contains, mode + " choice");
    assertTrue(schemaEos >= 3 && regexEos >= 3 && choiceEos >= 3,
        mode + ": eos rows schema " + schemaEos + ", regex " + regexEos + ", choice " + choiceEos);
  }

  @ParameterizedTest
  @ValueSource(strings = {"greedy", "sampling", "beams"})
  void aRowAloneEqualsTheRowInAMixedBatch(String mode) {
    GenerationConfig c = switch (mode) {
      case "sampling" -> config("do_sample", "true", "seed", "9", "num_return_sequences", "2");
      case "beams" -> config("num_beams", "2");
      default -> config();
    };
    Generator g = new Generator(model, c, tokenizer);
    List<PromptInput> mixed = new ArrayList<>();
    mixed.addAll(prompts(constraint("json_schema:" + SCHEMA), 2));
    mixed.add(new PromptInput(7, tokenizer.encode("free text row"))); // no format in the same batch
    mixed.addAll(prompts(constraint("regex:" + REGEX), 2));
    mixed.addAll(prompts(constraint("json"), 1));
    List<List<Sequence>> together = g.generate(mixed, 8);
    for (int i = 0; i < mixed.size(); i++) {
      List<Sequence> alone = g.generate(List.of(mixed.get(i)), 8).get(0);
      assertEquals(alone.size(), together.get(i).size());
      for (int s = 0; s < alone.size(); s++) {
        assertArrayEquals(alone.get(s).tokenIds(), together.get(i).get(s).tokenIds(), mode + " row " + i + " sample " + s);
        assertEquals(alone.get(s).cumulativeLogprob(), together.get(i).get(s).cumulativeLogprob(), 1e-4);
      }
    }
  }

  @Test
  void jsonRowsAreObjectsAndTheFreeRowIsNotConstrained() {
    Generator g = new Generator(model, config(), tokenizer);
    List<List<Sequence>> out = g.generate(prompts(constraint("json"), 4), 4);
    SchemaValidation object = SchemaValidation.of("{\"type\":\"object\"}");
    for (List<Sequence> row : out) {
      Sequence s = row.get(0);
      if (s.finishReason() == FinishReason.EOS) {
        assertEquals(List.of(), object.errors(s.text()), s.text());
      } else {
        assertTrue(s.text().startsWith("{"), s.text());
      }
    }
  }

  @Test
  void aFormatWithoutEosIsRefusedBeforeWorkStarts() {
    Generator g = new Generator(model, config("eos_token_id", "none"), tokenizer);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> g.generate(prompts(constraint("json"), 1), 1));
    assertTrue(e.getMessage().contains("eos_token_id") && e.getMessage().contains("key 100"), e.getMessage());
  }
}
