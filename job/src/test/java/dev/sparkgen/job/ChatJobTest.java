package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.driver.ResolvedModel;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.job.exec.RowKey;
import dev.sparkgen.model.chat.ModelChatTemplate;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.generate.Sequence;
import dev.sparkgen.model.tokenizer.Tokenizer;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.RandomWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conversations through the whole job on a tiny random Llama-family checkpoint whose tokenizer
 * (GPT-2's byte-level BPE) has the Qwen template's special tokens as added tokens: every row's
 * prompt is the template's rendering, tokenised without added special tokens, and its generation
 * equals the model module's for that prompt alone; bad conversations and template refusals are
 * error rows while the others go on.
 */
class ChatJobTest {
  static final Path TEMPLATES = Path.of("../model/src/test/resources/chat-templates").toAbsolutePath().normalize();
  static final Path GPT2 = Path.of("../model/src/test/resources/tokenizers/gpt2/tokenizer.json").toAbsolutePath().normalize();
  static final int IM_START = 50257;
  static final int IM_END = 50258;
  static final StructType MESSAGES = new StructType()
      .add("id", DataTypes.LongType)
      .add("messages", DataTypes.createArrayType(new StructType()
          .add("role", DataTypes.StringType).add("content", DataTypes.StringType)));

  @RegisterExtension
  static final LocalSpark spark = new LocalSpark("local[2]");
  @TempDir static Path dir;
  private static Path model;

  @BeforeAll
  static void start() throws Exception {
    model = dir.resolve("tiny-qwen-chat");
    Files.createDirectories(model);
    // The tokenizer: GPT-2 plus <|im_start|> (50257) and <|im_end|> (50258) as special added tokens.
    JsonObject tok = JsonParser.parseString(Files.readString(GPT2)).getAsJsonObject();
    JsonArray added = tok.getAsJsonArray("added_tokens");
    for (String s : List.of("<|im_start|>", "<|im_end|>")) {
      JsonObject t = new JsonObject();
      t.addProperty("id", s.equals("<|im_start|>") ? IM_START : IM_END);
      t.addProperty("content", s);
      t.addProperty("single_word", false);
      t.addProperty("lstrip", false);
      t.addProperty("rstrip", false);
      t.addProperty("normalized", false);
      t.addProperty("special", true);
      added.add(t);
    }
    Files.writeString(model.resolve("tokenizer.json"), tok.toString());
    Files.copy(TEMPLATES.resolve("qwen2.5-instruct/tokenizer_config.json"), model.resolve("tokenizer_config.json"));
    ModelConfig config = new ModelConfig(ModelFamily.LLAMA, 50259, 8, 1, 2, 1, 4, 16, 512, 1e-6, 10000.0, true, false,
        false, null, List.of(IM_END));
    HfFolder.save(RandomWeights.create(config, 5), model);
    Files.writeString(model.resolve("generation_config.json"),
        "{\"eos_token_id\": [" + IM_END + ", 50256], \"max_new_tokens\": 6, \"do_sample\": false}");
  }

  private static Row conversation(long id, String... roleContent) {
    List<Row> messages = new ArrayList<>();
    for (int i = 0; i < roleContent.length; i += 2) {
      messages.add(RowFactory.create(roleContent[i], roleContent[i + 1]));
    }
    return RowFactory.create(id, scala.jdk.javaapi.CollectionConverters.asScala(messages).toSeq());
  }

  private static List<Map<String, Object>> messages(String... roleContent) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < roleContent.length; i += 2) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("role", roleContent[i]);
      m.put("content", roleContent[i + 1]);
      out.add(m);
    }
    return out;
  }

  private static Map<Long, Row> byId(List<Row> rows) {
    Map<Long, Row> out = new HashMap<>();
    rows.forEach(r -> out.put(r.<Long>getAs("id"), r));
    return out;
  }

  private static int[] ints(List<Object> list) {
    return list.stream().mapToInt(o -> ((Number) o).intValue()).toArray();
  }

  @Test
  void aMessagesColumnIsRenderedTokenisedAndGenerated() throws Exception {
    String[][] good = {
        {"user", "Hello, how are you?"},
        {"system", "Answer in one word.", "user", "Capital of France?"},
        {"user", "Hi!", "assistant", "Hello! How can I help?", "user", "Tell me a joke."}};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < good.length; i++) {
      rows.add(conversation(i, good[i]));
    }
    rows.add(conversation(10, "user", "Hi", "bot", "unknown role"));
    rows.add(conversation(11));
    rows.add(RowFactory.create(12L, null));
    Dataset<Row> input = spark.session().createDataFrame(rows, MESSAGES);
    JobConfig cfg = TestSpark.settings("model", model.toString(), "output_prompt", "true");
    List<Row> out;
    try (ResolvedModel resolved = ResolvedModel.resolve(cfg); Tokenizer tokenizer = Tokenizer.load(model)) {
      assertEquals(List.of(IM_END, 50256), resolved.generation().eosTokenId(), "generation_config.json's eos list");
      try (GenerationRun run = GenerationRun.prepare(spark.session(), cfg, resolved)) {
        out = run.apply(input).collectAsList();
      }
      assertEquals(rows.size(), out.size());
      ModelChatTemplate template = ModelChatTemplate.load(model, null);
      Map<Long, Row> byId = byId(out);
      for (int i = 0; i < good.length; i++) {
        Row r = byId.get((long) i);
        assertNull(r.getAs("error"), "row " + i);
        String text = template.apply(messages(good[i]), true, Map.of());
        assertEquals(text, r.getAs("prompt_text"), "the prompt is the template's rendering");
        assertTrue(text.endsWith("<|im_start|>assistant\n"), "add_generation_prompt defaults to true");
        int[] ids = tokenizer.encode(text);
        assertEquals(IM_START, ids[0], "<|im_start|> is one id, and nothing is added before it");
        assertEquals(ids.length, r.<Integer>getAs("num_prompt_tokens"));
        Sequence alone = TestSpark.alone(resolved, tokenizer, RowKey.of((long) i), ids).get(0);
        assertArrayEquals(alone.tokenIds(), ints(r.getList(r.fieldIndex("generated_token_ids"))), "row " + i);
        assertEquals(alone.text(), r.getAs("generated_text"));
      }
      assertTrue(byId.get(10L).<String>getAs("error").contains("messages[1] has the unknown role 'bot'"),
          byId.get(10L).<String>getAs("error"));
      assertTrue(byId.get(11L).<String>getAs("error").contains("messages is empty"), byId.get(11L).<String>getAs("error"));
      assertTrue(byId.get(12L).<String>getAs("error").startsWith("no prompt: messages null"), byId.get(12L).<String>getAs("error"));
      assertNull(byId.get(10L).getAs("prompt_text"));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aTemplateThatRaisesFailsOnlyThatRow() throws Exception {
    // Gemma 2's template refuses system turns and roles that do not alternate; messages as JSON text.
    StructType schema = new StructType().add("id", DataTypes.LongType).add("messages", DataTypes.StringType);
    Dataset<Row> input = spark.session().createDataFrame(List.of(
        RowFactory.create(1L, "[{\"role\": \"user\", \"content\": \"Hi\"}]"),
        RowFactory.create(2L, "[{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"Hi\"}]"),
        RowFactory.create(3L, "[{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]"),
        RowFactory.create(4L, "not json")), schema);
    Path template = dir.resolve("gemma2.jinja");
    Map<String, Object> gemma = (Map<String, Object>) dev.sparkgen.model.chat.JsonValues.parse(
        Files.readString(TEMPLATES.resolve("gemma-2-it/tokenizer_config.json")));
    Files.writeString(template, (String) gemma.get("chat_template"));
    JobConfig cfg = TestSpark.settings("model", model.toString(), "chat_template_file", template.toString());
    Map<Long, Row> out;
    try (ResolvedModel resolved = ResolvedModel.resolve(cfg);
        GenerationRun run = GenerationRun.prepare(spark.session(), cfg, resolved)) {
      out = byId(run.apply(input).collectAsList());
    }
    assertNull(out.get(1L).getAs("error"));
    assertNotNull(out.get(1L).getAs("generated_token_ids"));
    assertEquals("the chat template refused the conversation: System role not supported", out.get(2L).getAs("error"));
    assertEquals("the chat template refused the conversation: Conversation roles must alternate"
        + " user/assistant/user/assistant/...", out.get(3L).getAs("error"));
    assertTrue(out.get(4L).<String>getAs("error").startsWith("messages: invalid JSON"), out.get(4L).<String>getAs("error"));
  }

  @Test
  void plainPromptsWithASystemPromptAreRendered() throws Exception {
    StructType schema = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);
    Dataset<Row> input = spark.session().createDataFrame(List.of(RowFactory.create(1L, "What is 2+2?"),
        RowFactory.create(2L, "Name a colour.")), schema);
    JobConfig cfg = TestSpark.settings("model", model.toString(), "system_prompt", "Be terse.", "output_prompt", "true");
    try (ResolvedModel resolved = ResolvedModel.resolve(cfg);
        GenerationRun run = GenerationRun.prepare(spark.session(), cfg, resolved)) {
      Map<Long, Row> out = byId(run.apply(input).collectAsList());
      assertEquals("<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
          out.get(1L).getAs("prompt_text"));
      // A prompt refused as too long for the context still shows, under output_prompt, what was rendered.
      String words = "x ".repeat(4000);
      Row tooLong = byId(run.apply(spark.session().createDataFrame(List.of(RowFactory.create(3L, words)), schema))
          .collectAsList()).get(3L);
      assertTrue(tooLong.<String>getAs("error").startsWith("the prompt has "), tooLong.<String>getAs("error"));
      assertEquals("<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\n" + words + "<|im_end|>\n<|im_start|>assistant\n",
          tooLong.getAs("prompt_text"));
    }
    // Without system_prompt, plain prompts stay plain (and chat_template=none refuses a system prompt).
    JobConfig plain = TestSpark.settings("model", model.toString(), "output_prompt", "true");
    try (ResolvedModel resolved = ResolvedModel.resolve(plain);
        GenerationRun run = GenerationRun.prepare(spark.session(), plain, resolved)) {
      assertEquals("What is 2+2?", byId(run.apply(input).collectAsList()).get(1L).getAs("prompt_text"));
    }
    JobConfig none = TestSpark.settings("model", model.toString(), "system_prompt", "S", "chat_template", "none");
    try (ResolvedModel resolved = ResolvedModel.resolve(none);
        GenerationRun run = GenerationRun.prepare(spark.session(), none, resolved)) {
      assertThrows(ConfigException.class, () -> run.apply(input));
    }
  }

  /**
   * skip_special_tokens=false through the whole job, on a model that does generate special tokens:
   * the same checkpoint with the embedding rows of {@code <|im_start|>} and {@code <|im_end|>} set to
   * +4v and -4v (tied, so also their output rows): whatever the last hidden state h, one of the two
   * has the logit 4|v.h|, far above any random row's (about 0.02 |h| at most), so greedy decoding
   * emits only those two, and stops at {@code <|im_end|>} (an eos).
   */
  @Test
  void skipSpecialTokensFalseKeepsTheSpecialTokensTheModelGenerates() throws Exception {
    Path specials = dir.resolve("tiny-qwen-specials");
    Files.createDirectories(specials);
    for (String f : List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
      Files.copy(model.resolve(f), specials.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    try (dev.sparkgen.model.weights.Checkpoint base = HfFolder.open(model)) {
      ModelConfig c = base.config();
      Map<String, dev.sparkgen.model.weights.WeightSource> tensors = new java.util.LinkedHashMap<>(base.tensors());
      String embed = tensors.keySet().stream().filter(n -> n.contains("embed_tokens")).findFirst().orElseThrow();
      float[] e = new float[c.vocabSize() * c.hiddenSize()];
      tensors.get(embed).read(0, e.length, java.nio.FloatBuffer.wrap(e));
      java.util.SplittableRandom r = new java.util.SplittableRandom(3);
      for (int j = 0; j < c.hiddenSize(); j++) {
        float v = (float) (4 * (r.nextDouble() - 0.5));
        e[IM_START * c.hiddenSize() + j] = v;
        e[IM_END * c.hiddenSize() + j] = -v;
      }
      tensors.put(embed, dev.sparkgen.model.weights.WeightSource.of(e, c.vocabSize(), c.hiddenSize()));
      HfFolder.save(new dev.sparkgen.model.weights.Checkpoint(c, tensors, "special rows", List.of()), specials);
    }
    Dataset<Row> input = spark.session().createDataFrame(List.of(conversation(1, "user", "Hello, how are you?"),
        conversation(2, "system", "Answer in one word.", "user", "Capital of France?")), MESSAGES);
    Map<String, Map<Long, Row>> runs = new java.util.HashMap<>();
    for (String skip : List.of("true", "false")) {
      JobConfig cfg = TestSpark.settings("model", specials.toString(), "skip_special_tokens", skip, "output_prompt", "true");
      try (ResolvedModel resolved = ResolvedModel.resolve(cfg);
          GenerationRun run = GenerationRun.prepare(spark.session(), cfg, resolved)) {
        runs.put(skip, byId(run.apply(input).collectAsList()));
      }
    }
    JobConfig keep = TestSpark.settings("model", specials.toString(), "skip_special_tokens", "false");
    try (ResolvedModel resolved = ResolvedModel.resolve(keep); Tokenizer tokenizer = Tokenizer.load(specials);
        dev.sparkgen.model.CausalLm lm = dev.sparkgen.model.CausalLm.of(resolved.checkpoint())) {
      for (long id : List.of(1L, 2L)) {
        Row kept = runs.get("false").get(id);
        Row skipped = runs.get("true").get(id);
        assertNull(kept.getAs("error"));
        int[] generated = ints(kept.getList(kept.fieldIndex("generated_token_ids")));
        assertArrayEquals(generated, ints(skipped.getList(skipped.fieldIndex("generated_token_ids"))),
            "skip_special_tokens changes the text, not the tokens");
        assertTrue(java.util.Arrays.stream(generated).allMatch(t -> t == IM_START || t == IM_END),
            "the model emits only <|im_start|> and <|im_end|>: " + java.util.Arrays.toString(generated));
        String text = kept.getAs("generated_text");
        assertTrue(text.contains("<|im_start|>") || text.contains("<|im_end|>"), text);
        assertEquals(tokenizer.decode(generated, false), text);
        assertEquals(tokenizer.decode(generated, true), skipped.getAs("generated_text"));
        assertEquals("", skipped.getAs("generated_text"), "nothing but special tokens: empty without them");
        // The model module's generator, for the same prompt alone, decoding with special tokens.
        int[] prompt = tokenizer.encode(kept.getAs("prompt_text"));
        Sequence alone = new dev.sparkgen.model.generate.Generator(lm, resolved.generation(), tokenizer, false)
            .generate(List.of(new dev.sparkgen.model.generate.PromptInput(RowKey.of(id), prompt)), 1).get(0).get(0);
        assertArrayEquals(alone.tokenIds(), generated);
        assertEquals(alone.text(), text);
      }
    }
  }

  @Test
  void continueFinalMessageLeavesTheLastTurnOpen() throws Exception {
    Dataset<Row> input = spark.session().createDataFrame(
        List.of(conversation(1, "user", "Finish this.", "assistant", "The answer is")), MESSAGES);
    JobConfig cfg = TestSpark.settings("model", model.toString(), "continue_final_message", "true", "output_prompt", "true");
    try (ResolvedModel resolved = ResolvedModel.resolve(cfg);
        GenerationRun run = GenerationRun.prepare(spark.session(), cfg, resolved)) {
      String prompt = run.apply(input).collectAsList().get(0).getAs("prompt_text");
      assertTrue(prompt.endsWith("<|im_end|>\n<|im_start|>assistant\nThe answer is"), prompt);
      assertEquals(ModelChatTemplate.load(model, null).continueFinalMessage(
          messages("user", "Finish this.", "assistant", "The answer is"), Map.of()), prompt);
    }
  }

  @Test
  void reasoningSplitMovesAnOpenThinkBlockToTheReasoningColumn() throws Exception {
    // A template that opens the reasoning block in the generation prompt, as Qwen3-Thinking does: the
    // model's text up to </think> is reasoning; these random weights never close it.
    Path template = dir.resolve("thinking.jinja");
    Files.writeString(template, "{% for m in messages %}{{ m.content }}{% endfor %}<|im_start|>assistant\n<think>\n");
    Dataset<Row> input = spark.session().createDataFrame(List.of(conversation(1, "user", "2+2?")), MESSAGES);
    JobConfig cfg = TestSpark.settings("model", model.toString(), "chat_template_file", template.toString(),
        "reasoning", "split", "output_prompt", "true");
    try (ResolvedModel resolved = ResolvedModel.resolve(cfg); Tokenizer tokenizer = Tokenizer.load(model);
        GenerationRun run = GenerationRun.prepare(spark.session(), cfg, resolved)) {
      Row r = run.apply(input).collectAsList().get(0);
      // jinja2 drops the template file's one trailing newline: the prompt ends with "<think>".
      assertEquals("2+2?<|im_start|>assistant\n<think>", r.getAs("prompt_text"));
      int[] ids = tokenizer.encode(r.getAs("prompt_text"));
      Sequence alone = TestSpark.alone(resolved, tokenizer, RowKey.of(1L), ids).get(0);
      assertEquals(dev.sparkgen.model.chat.ReasoningSplit.of(alone.text(), true).reasoning(), r.getAs("reasoning"));
      assertEquals("", r.getAs("generated_text"), "an unclosed reasoning block leaves no answer");
      assertNull(r.getAs("error"));
    }
  }

  @Test
  void aModelWithoutATemplateRefusesConversationsNamingTheKey() {
    Dataset<Row> input = spark.session().createDataFrame(List.of(conversation(1, "user", "Hi")), MESSAGES);
    JobConfig cfg = TestSpark.settings("model", TestSpark.GPT2_TINY.toString());
    try (ResolvedModel resolved = ResolvedModel.resolve(cfg);
        GenerationRun run = GenerationRun.prepare(spark.session(), cfg, resolved)) {
      SetupException e = assertThrows(SetupException.class, () -> run.apply(input));
      assertTrue(e.getMessage().contains("has no chat template") && e.getMessage().contains("chat_template_file"), e.getMessage());
    }
  }

  @Test
  void chatTemplateNoneWithAMessagesColumnIsABadSettingWithOneLineNotAFailedJob() throws Exception {
    Path input = dir.resolve("none-in.jsonl");
    Files.write(input, List.of("{\"id\": 1, \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}"));
    Path output = dir.resolve("none-out");
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    assertEquals(Main.BAD_SETTINGS, execute(TestSpark.settings("model", model.toString(), "input", input.toString(),
        "output", output.toString(), "chat_template", "none", "progress_interval", "0"), err), err.toString());
    String message = err.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
    assertTrue(message.startsWith("sparkgen: chat_template=none, but the input has a messages column 'messages'"), message);
    assertEquals(1, message.lines().count(), message);
    assertTrue(!Files.exists(output), "nothing written");
  }

  @Test
  void aResumeWithAnEditedChatTemplateFileIsRefusedNamingTheTemplate() throws Exception {
    Path input = dir.resolve("resume-in.jsonl");
    Files.write(input, List.of("{\"id\": 1, \"prompt\": \"What is 2+2?\"}", "{\"id\": 2, \"prompt\": \"Hi\"}"));
    Path template = dir.resolve("resume-template.jinja");
    Files.writeString(template, "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
        + "<|im_start|>assistant\n");
    Path output = dir.resolve("resume-out");
    String[] args = {"model", model.toString(), "input", input.toString(), "output", output.toString(), "mode", "resume",
        "slices", "2", "system_prompt", "S", "chat_template_file", template.toString(), "progress_interval", "0"};
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    assertEquals(Main.OK, execute(TestSpark.settings(args), err), err.toString());
    assertEquals(Main.OK, execute(TestSpark.settings(args), err), err.toString()); // the same template: nothing to do

    Files.writeString(template, Files.readString(template).replace("assistant", "model")); // edited in place
    err.reset();
    assertEquals(Main.BAD_SETUP, execute(TestSpark.settings(args), err));
    assertTrue(err.toString().contains("chat_template.sha256: earlier '"), err.toString());
  }

  private static int execute(JobConfig cfg, java.io.ByteArrayOutputStream err) {
    try (ResolvedModel resolved = ResolvedModel.resolve(cfg)) {
      return Main.execute(spark.session(), cfg, resolved, new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
          new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    }
  }
}
