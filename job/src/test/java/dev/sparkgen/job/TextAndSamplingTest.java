package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.exec.RowKey;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text prompts as Hugging Face tokenises and returns them (special tokens from the tokenizer's
 * post-processor; generated_text = decode(prompt + continuation) minus decode(prompt)), and
 * sampling with every token filtered out; on the golden Llama with a Llama-style (Metaspace,
 * {@code <s>}-prepending) tokenizer.json, through the command line's exit-code logic.
 */
class TextAndSamplingTest {
  static final Path LLAMA = Path.of("../model/src/test/resources/golden/llama-gqa").toAbsolutePath().normalize();
  static final Path LLAMA_TOKENIZER =
      Path.of("../model/src/test/resources/tokenizers/llama-metaspace/tokenizer.json").toAbsolutePath().normalize();
  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]");
  @TempDir Path tmp;

  private JobConfig settings(Path input, String output, String... kv) {
    Map<String, String> base = new LinkedHashMap<>();
    base.put("model", LLAMA.toString());
    base.put("tokenizer", LLAMA_TOKENIZER.toString());
    base.put("input", input.toString());
    base.put("output", tmp.resolve(output).toString());
    base.put("max_new_tokens", "5");
    return TestSpark.settings(base, kv);
  }

  private int execute(JobConfig cfg, ByteArrayOutputStream err) {
    try (ResolvedModel model = ResolvedModel.resolve(cfg)) {
      return Main.execute(spark.session(), cfg, model, new PrintStream(new ByteArrayOutputStream()),
          new PrintStream(err, true, StandardCharsets.UTF_8));
    }
  }

  private Row only(JobConfig cfg, int exitCode) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(exitCode, execute(cfg, err), err.toString(StandardCharsets.UTF_8));
    List<Row> rows = spark.session().read().parquet(cfg.output()).collectAsList();
    assertEquals(1, rows.size());
    return rows.get(0);
  }

  private static int[] ints(Row r, String column) {
    return r.getList(r.fieldIndex(column)).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
  }

  @Test
  void textPromptsGetTheTokenizersSpecialTokensAndTheContinuationKeepsItsLeadingSpace() throws Exception {
    Path input = Files.writeString(tmp.resolve("p.jsonl"), "{\"id\": 1, \"prompt\": \"t3 t9 t27\"}\n");
    JobConfig withBos = settings(input, "bos");
    JobConfig without = settings(input, "plain", "add_special_tokens", "false");
    try (ResolvedModel model = ResolvedModel.resolve(withBos); Tokenizer tok = Tokenizer.load(LLAMA_TOKENIZER)) {
      // add_special_tokens=true (default): [<s>, t3, t9, t27] as HF tokenizer(text) gives
      Row r = only(withBos, Main.OK);
      assertEquals(4, r.<Integer>getAs("num_prompt_tokens"));
      Sequence expected = TestSpark.alone(model, tok, RowKey.of(1L), new int[] {1, 3, 9, 27}).get(0);
      assertArrayEquals(expected.tokenIds(), ints(r, "generated_token_ids"));
      String text = r.getAs("generated_text");
      assertEquals(expected.text(), text);
      // HF pipeline(return_full_text=False): decode(prompt + continuation) minus decode(prompt). The
      // Metaspace decoder drops the space before a text's first word, so decoding the new ids alone
      // would lose the space between prompt and continuation.
      int[] all = new int[4 + expected.tokenIds().length];
      System.arraycopy(new int[] {1, 3, 9, 27}, 0, all, 0, 4);
      System.arraycopy(expected.tokenIds(), 0, all, 4, expected.tokenIds().length);
      assertEquals(tok.decode(all, true).substring("t3 t9 t27".length()), text);
      assertTrue(text.startsWith(" t"), text);
      assertEquals(text.substring(1), tok.decode(expected.tokenIds(), true));

      // add_special_tokens=false: the text's tokens only
      Row plain = only(without, Main.OK);
      assertEquals(3, plain.<Integer>getAs("num_prompt_tokens"));
      assertArrayEquals(TestSpark.alone(model, tok, RowKey.of(1L), new int[] {3, 9, 27}).get(0).tokenIds(),
          ints(plain, "generated_token_ids"));

      // A stop string is found in, and cuts, that same text: stop at the continuation's second word.
      String second = text.substring(text.indexOf(' ', 1));
      second = second.substring(0, second.indexOf(' ', 1) < 0 ? second.length() : second.indexOf(' ', 1));
      Row stopped = only(settings(input, "stop", "stop", second), Main.OK);
      assertEquals("stop", stopped.getAs("finish_reason"));
      assertEquals(text.substring(0, text.indexOf(second)), stopped.getAs("generated_text"));
    }
  }

  @Test
  void samplingWithEveryTokenFilteredOutIsAnErrorRowNamingTheStepWithExitCode4() throws Exception {
    // Issue 10's case: vocabulary 4, equal logits (all-zero weights), prompt [0], no_repeat_ngram_size=1.
    Path model = flatGpt2(tmp.resolve("flat"), 4);
    Path input = Files.writeString(tmp.resolve("p.jsonl"), "{\"id\": 1, \"prompt_ids\": [0]}\n");
    Map<String, String> m = new LinkedHashMap<>(Map.of("model", model.toString(), "input", input.toString(),
        "top_k", "0", "no_repeat_ngram_size", "1", "max_new_tokens", "5", "eos_token_id", "none"));
    m.put("output", tmp.resolve("sampled").toString());
    m.put("do_sample", "true");
    Row sampled = only(JobConfig.of(m), Main.ROW_ERRORS);
    assertEquals("every token was filtered out at step 4 (after 3 generated tokens); sampling has nothing to draw from",
        sampled.getAs("error"));
    assertNull(sampled.getAs("generated_token_ids"));
    JsonObject summary = JsonParser.parseString(Files.readString(tmp.resolve("sampled/_summary.json"))).getAsJsonObject();
    assertEquals(1, summary.get("errors").getAsLong());
    // Greedy keeps HF's choice: torch.argmax over all -inf is index 0.
    m.put("output", tmp.resolve("greedy").toString());
    m.put("do_sample", "false");
    Row greedy = only(JobConfig.of(m), Main.OK);
    assertArrayEquals(new int[] {1, 2, 3, 0, 0}, ints(greedy, "generated_token_ids"));
  }

  /** A GPT-2 folder whose weights are all zero: every next-token logit is 0. */
  static Path flatGpt2(Path dir, int vocab) throws Exception {
    Files.createDirectories(dir);
    int e = 8;
    int positions = 16;
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\", \"vocab_size\": " + vocab
        + ", \"n_embd\": " + e + ", \"n_layer\": 1, \"n_head\": 2, \"n_positions\": " + positions
        + ", \"eos_token_id\": " + (vocab - 1) + ", \"bos_token_id\": " + (vocab - 1) + "}");
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("wte.weight", new long[] {vocab, e});
    shapes.put("wpe.weight", new long[] {positions, e});
    shapes.put("h.0.ln_1.weight", new long[] {e});
    shapes.put("h.0.ln_1.bias", new long[] {e});
    shapes.put("h.0.attn.c_attn.weight", new long[] {e, 3 * e});
    shapes.put("h.0.attn.c_attn.bias", new long[] {3 * e});
    shapes.put("h.0.attn.c_proj.weight", new long[] {e, e});
    shapes.put("h.0.attn.c_proj.bias", new long[] {e});
    shapes.put("h.0.ln_2.weight", new long[] {e});
    shapes.put("h.0.ln_2.bias", new long[] {e});
    shapes.put("h.0.mlp.c_fc.weight", new long[] {e, 4 * e});
    shapes.put("h.0.mlp.c_fc.bias", new long[] {4 * e});
    shapes.put("h.0.mlp.c_proj.weight", new long[] {4 * e, e});
    shapes.put("h.0.mlp.c_proj.bias", new long[] {e});
    shapes.put("ln_f.weight", new long[] {e});
    shapes.put("ln_f.bias", new long[] {e});
    StringBuilder header = new StringBuilder("{");
    long offset = 0;
    for (Map.Entry<String, long[]> t : shapes.entrySet()) {
      long n = 1;
      StringBuilder shape = new StringBuilder();
      for (long d : t.getValue()) {
        n *= d;
        shape.append(shape.length() == 0 ? "" : ",").append(d);
      }
      header.append(header.length() == 1 ? "" : ",").append('"').append(t.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[")
          .append(shape).append("],\"data_offsets\":[").append(offset).append(',').append(offset + 4 * n).append("]}");
      offset += 4 * n;
    }
    byte[] json = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer file = ByteBuffer.allocate(8 + json.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
    file.putLong(json.length).put(json); // the data: zeros
    Files.write(dir.resolve("model.safetensors"), file.array());
    return dir;
  }
}
