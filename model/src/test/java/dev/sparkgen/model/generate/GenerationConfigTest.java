package dev.sparkgen.model.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.json.JsonValueException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Defaults, text parsing, model-folder precedence and validation messages of {@link GenerationConfig}. */
class GenerationConfigTest {

  private static GenerationConfig apply(Map<String, String> values) {
    return GenerationConfig.fromMap(values, GenerationConfig.defaults());
  }

  @Test
  void defaultsFollowHuggingFace() {
    GenerationConfig d = GenerationConfig.defaults();
    assertEquals(20, d.maxNewTokens());
    assertEquals(50, d.topK());
    assertEquals(1.0, d.temperature());
    assertEquals(1.0, d.topP());
    assertEquals(1, d.numBeams());
    assertEquals(EarlyStopping.FALSE, d.earlyStopping());
    assertEquals(List.of(), d.eosTokenId());
    assertNull(d.padTokenId());
    assertEquals(List.copyOf(GenerationKey.names()), List.of("max_new_tokens",
        "min_new_tokens", "do_sample", "temperature", "top_k", "top_p", "min_p", "repetition_penalty",
        "no_repeat_ngram_size", "num_beams", "length_penalty", "early_stopping", "num_return_sequences",
        "output_logprobs", "eos_token_id", "pad_token_id", "stop", "seed"));
  }

  @Test
  void textValuesAreParsed() {
    GenerationConfig c = apply(Map.of("eos_token_id", "2,5", "early_stopping", "Never", "num_beams", "4",
        "num_return_sequences", "2", "pad_token_id", "0", "min_p", "none", "seed", "-7"));
    assertEquals(List.of(2, 5), c.eosTokenId());
    assertEquals(EarlyStopping.NEVER, c.earlyStopping());
    assertEquals(0, c.padTokenId());
    assertEquals(0.0, c.minP());
    assertEquals(-7L, c.seed());
    assertEquals(List.of(2), apply(Map.of("eos_token_id", "2")).eosTokenId());
    assertEquals(List.of(), apply(Map.of("eos_token_id", "none")).eosTokenId());
    assertEquals(2, apply(Map.of("eos_token_id", "2,5")).padOrEos(), "pad defaults to eos[0]");
    assertEquals(0, c.padOrEos());
  }

  @Test
  void stopIsAJsonArrayOrOneLiteralString() {
    assertEquals(List.of("\n\n", "a,b"), apply(Map.of("stop", "[\"\\n\\n\", \"a,b\"]")).stop());
    assertEquals(List.of("###"), apply(Map.of("stop", "###")).stop());
    assertEquals(List.of(), apply(Map.of("stop", "")).stop());
    GenerationConfig c = apply(Map.of("stop", "[\"x\", \"y\"]"));
    assertEquals(c, GenerationConfig.fromMap(c.toMap(), GenerationConfig.defaults()), "toMap round trip");
  }

  @Test
  void modelFolderOverridesDefaultsAndCallerOverridesBoth(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": [2, 7], \"pad_token_id\": null}");
    Files.writeString(dir.resolve("generation_config.json"),
        "{\"do_sample\": true, \"temperature\": 0.6, \"top_p\": 0.9, \"max_length\": 4096,"
            + " \"transformers_version\": \"4.51.0\", \"bos_token_id\": 1}");
    GenerationConfig model = GenerationConfig.forModel(dir);
    assertEquals(List.of(2, 7), model.eosTokenId());
    assertTrue(model.doSample());
    assertEquals(0.6, model.temperature());
    assertEquals(0.9, model.topP());
    assertEquals(50, model.topK());
    GenerationConfig caller = GenerationConfig.fromMap(Map.of("temperature", "1.3", "eos_token_id", "9"), model);
    assertEquals(1.3, caller.temperature());
    assertEquals(0.9, caller.topP());
    assertEquals(List.of(9), caller.eosTokenId());
  }

  @Test
  void badGenerationConfigFileIsNamed(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("generation_config.json"), "{\"top_p\": 2.0}");
    JsonValueException e = assertThrows(JsonValueException.class, () -> GenerationConfig.forModel(dir));
    assertTrue(e.getMessage().startsWith(dir.resolve("generation_config.json") + ": ")
        && e.getMessage().contains("top_p=2.0"), e.getMessage());
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "temperature|0|do_sample=true",
      "top_p|1.5|",
      "top_p|0|",
      "top_k|-1|",
      "min_p|2|",
      "num_return_sequences|3|",
      "max_new_tokens|-1|",
      "min_new_tokens|-2|",
      "num_beams|0|",
      "repetition_penalty|0|",
      "no_repeat_ngram_size|-1|",
      "early_stopping|maybe|",
      "length_penalty|abc|",
      "eos_token_id|2,x|",
      "do_sample|yes|",
      "stop|[1, 2]|",
      "max_new_tokens|ten|",
      "top_pp|0.9|"})
  void invalidValuesAreRefusedWithKeyAndValue(String key, String value, String extra) {
    Map<String, String> values = extra == null ? Map.of(key, value) : Map.of(key, value, "do_sample", "true");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> apply(values));
    assertTrue(e.getMessage().contains(key + "=" + value), e.getMessage());
  }

  @Test
  void beamSamplingAndGreedyMultipleSequencesAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> apply(Map.of("do_sample", "true", "num_beams", "2")));
    assertTrue(e.getMessage().contains("num_beams=2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> apply(Map.of("num_beams", "2", "num_return_sequences", "3")));
    assertTrue(e.getMessage().contains("num_return_sequences=3") && e.getMessage().contains("num_beams (2)"), e.getMessage());
    assertEquals(4, apply(Map.of("do_sample", "true", "num_return_sequences", "4")).numReturnSequences());
  }
}
