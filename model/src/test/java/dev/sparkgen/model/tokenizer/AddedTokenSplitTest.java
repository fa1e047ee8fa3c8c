package dev.sparkgen.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sparkgen.model.chat.ChatTokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encoding a text piece by piece between its added tokens ({@link AddedTokenSplitter} plus the
 * piece cache) gives exactly the ids of the native tokenizer on the whole text: on every rendered
 * conversation of the shared chat-template fixtures, under three byte-level pipelines (GPT-2's,
 * Llama 3's Split + ByteLevel, Qwen2's NFC + Split + ByteLevel), and on random texts built to
 * catch a wrong cut (tokens back to back, tokens that are prefixes of others, half tokens,
 * combining marks right after a token, normalized added tokens).
 */
class AddedTokenSplitTest {
  private static final Path TEMPLATES = Path.of("src/test/resources/chat-templates");
  private static final Path EXTRA = Path.of("src/test/resources/chat-templates-extra/cases.json");
  /** Llama 3's and Qwen2's pre-tokenizer pattern (their tokenizer.json {@code Split} regex). */
  private static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
      + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  /** Special-token strings that chat templates write, beyond the {@code <|...|>} ones found by pattern. */
  private static final List<String> NAMED = List.of("<s>", "</s>", "<bos>", "<eos>", "<start_of_turn>",
      "<end_of_turn>", "<think>", "</think>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>");
  private static final Pattern BAR_TOKEN = Pattern.compile("<\\|[^|<>\\s]+\\|>");

  enum Pipeline { GPT2, LLAMA3, QWEN2 }

  @TempDir
  Path tmp;

  @Test
  void everySharedConversationEncodesToTheSameIdsPieceByPieceAsWhole() throws IOException {
    Map<String, List<String>> texts = renderedTexts();
    List<String> all = texts.values().stream().flatMap(List::stream).toList();
    List<String> specials = specials(all); // every template's special tokens in one tokenizer (3 loads, not 27)
    int checked = 0;
    for (Pipeline p : Pipeline.values()) {
      try (Tokenizer t = Tokenizer.load(write(tmp.resolve(p.toString()), specials, p, List.of()))) {
        assertNull(t.whyEncodedWhole(), p.toString());
        for (int pass = 0; pass < 2; pass++) { // the second pass reads the templates' pieces from the cache
          for (String text : all) {
            assertArrayEquals(t.encodeWhole(text, false), t.encode(text, false), p + ": " + text);
            checked++;
          }
        }
        assertTrue(t.cachedPieces() > 0, "the templates' recurring pieces are cached");
      }
    }
    assertTrue(texts.size() >= 9 && specials.size() >= 20, "templates: " + texts.keySet() + ", specials: " + specials);
    assertTrue(checked >= 6 * 500, "only " + checked + " encodings compared");
  }

  @Test
  void randomTextsWithTokensBackToBackPrefixesAndHalvesEncodeTheSame() throws IOException {
    // <|im and <|im_start|>assistant overlap <|im_start|>: the longest match at the leftmost start wins,
    // as tokenizers' LeftmostLongest automaton decides; " world" is a non-special token inside words.
    List<String> specials = List.of("<|im_start|>", "<|im_end|>", "<|im", "<|im_start|>assistant", "<|eot_id|>",
        "<s>", "</s>", " world");
    List<String> fragments = List.of("<|im_start|>", "<|im_end|>", "<|im", "<|", "|>", "<|im_st", "assistant", "<s>",
        "</s", "<", ">", " ", "  ", "\n", "\n\n", "\r\n", "\t", "Hello", " world", "world", "e\u0301", "\u0301", "é",
        "caf", "🙂", "\uD83D", "123", "4567", "'s", "'ll", "über", "ｈｅｌｌｏ", "<|eot_id|>", "Hello world", "Ĳ", "ﬁ");
    SplittableRandom r = new SplittableRandom(12);
    List<String> texts = new ArrayList<>();
    Set<String> lone = new java.util.HashSet<>(); // texts with the lone "\uD83D" (no fragment starts with a low surrogate)
    for (int i = 0; i < 1500; i++) {
      StringBuilder s = new StringBuilder();
      boolean hasLone = false;
      int n = r.nextInt(12);
      for (int k = 0; k < n; k++) {
        String f = fragments.get(r.nextInt(fragments.size()));
        hasLone |= f.equals("\uD83D");
        s.append(f);
      }
      texts.add(s.toString());
      if (hasLone) {
        lone.add(s.toString());
      }
    }
    for (Pipeline p : Pipeline.values()) {
      // "Hello" as a normalized added token: matched by the native tokenizer inside each piece.
      try (Tokenizer t = Tokenizer.load(write(tmp.resolve("random-" + p), specials, p, List.of("Hello")))) {
        assertNull(t.whyEncodedWhole(), p.toString());
        int refused = 0;
        for (String text : texts) {
          if (lone.contains(text)) { // refused both ways
            assertThrows(IllegalArgumentException.class, () -> t.encodeWhole(text, false));
            assertThrows(IllegalArgumentException.class, () -> t.encode(text, false));
            refused++;
            continue;
          }
          assertArrayEquals(t.encodeWhole(text, false), t.encode(text, false), p + ": " + show(text));
        }
        assertTrue(refused > 50 && refused < texts.size() / 2, refused + " refused");
        int start = ChatTokenizers.id(specials, "<|im_start|>");
        int assistant = ChatTokenizers.id(specials, "<|im_start|>assistant");
        assertArrayEquals(new int[] {assistant, start}, t.encode("<|im_start|>assistant<|im_start|>", false));
        assertEquals(0, t.encode("", false).length);
      }
    }
  }

  @Test
  void aLoneSurrogateIsRefusedRatherThanGarblingTheRestOfTheText() throws IOException {
    try (Tokenizer t = Tokenizer.load(Path.of("src/test/resources/tokenizers/gpt2"))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode("🙂 é \uD83D", false));
      assertEquals("the text has a lone UTF-16 surrogate \\uD83D at character 5: not Unicode text", e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> t.encode("\uDE42🙂", true));
      assertArrayEquals(new int[] {8582, 25081, 38251}, t.encode("🙂 é", false)); // a pair is a character
    }
  }

  @Test
  void aTextWithoutAddedTokensIsEncodedWholeAndNotCached() throws IOException {
    try (Tokenizer t = Tokenizer.load(write(tmp.resolve("plain"), List.of("<|eot_id|>"), Pipeline.LLAMA3, List.of()))) {
      assertArrayEquals(t.encodeWhole("just a prompt", false), t.encode("just a prompt", false));
      assertEquals(0, t.cachedPieces());
      t.encode("a<|eot_id|>b", false);
      assertEquals(2, t.cachedPieces());
    }
  }

  @Test
  void tokenizersWherePiecesWouldDifferAreEncodedWholeWithTheReason() throws IOException {
    // Llama 2 style SentencePiece: Metaspace prepends its space only at offset 0 of the whole input.
    Path metaspace = Path.of("src/test/resources/tokenizers/llama-metaspace");
    try (Tokenizer t = Tokenizer.load(metaspace)) {
      assertEquals("pre_tokenizer Metaspace with prepend_scheme \"first\"", t.whyEncodedWhole());
      // Cut at </s> the second piece would get a space of its own: t3 </s> t9 is not pieces(t3) </s> pieces(t9).
      int[] whole = t.encode("t3</s>t9", false);
      assertArrayEquals(t.encodeWhole("t3</s>t9", false), whole);
      assertNotEquals(List.of(3, 2, 9), java.util.Arrays.stream(whole).boxed().toList());
    }
    JsonObject root = JsonParser.parseString(Files.readString(write(tmp.resolve("lstrip"), List.of("<mask>"),
        Pipeline.GPT2, List.of()))).getAsJsonObject();
    JsonArray added = root.getAsJsonArray("added_tokens");
    added.get(added.size() - 1).getAsJsonObject().addProperty("lstrip", true);
    try (Tokenizer t = Tokenizer.load(rewrite(tmp.resolve("lstrip"), root))) {
      assertEquals("added token <mask> has lstrip, rstrip or single_word", t.whyEncodedWhole());
      assertArrayEquals(t.encodeWhole("a <mask> b", false), t.encode("a <mask> b", false));
    }
    root.getAsJsonObject("model").addProperty("dropout", 0.1);
    added.get(added.size() - 1).getAsJsonObject().addProperty("lstrip", false);
    try (Tokenizer t = Tokenizer.load(rewrite(tmp.resolve("dropout"), root))) {
      assertEquals("model.dropout is set", t.whyEncodedWhole());
    }
  }

  @Test
  void theCacheEmptiesItselfWhenFull() {
    PieceCache cache = new PieceCache();
    for (int i = 0; i <= PieceCache.MAX_ENTRIES; i++) {
      cache.put("piece " + i, new int[] {i});
    }
    assertEquals(1, cache.size(), "full at MAX_ENTRIES: emptied, then the last piece kept");
    assertArrayEquals(new int[] {PieceCache.MAX_ENTRIES}, cache.get("piece " + PieceCache.MAX_ENTRIES));
    cache = new PieceCache();
    String big = "x".repeat((int) (PieceCache.MAX_CHARS / 4));
    for (int i = 0; i < 5; i++) {
      cache.put(i + big.substring(1), new int[] {i});
    }
    assertEquals(1, cache.size(), "a fifth quarter of MAX_CHARS empties it");
    cache.put(big + "y", new int[] {1});
    assertNull(cache.get(big + "y"), "a piece over a quarter of MAX_CHARS is not kept");
  }

  /** Each template folder's rendered texts: the expected strings of its cases and of the extra cases. */
  static Map<String, List<String>> renderedTexts() throws IOException {
    Map<String, List<String>> out = new LinkedHashMap<>();
    try (Stream<Path> dirs = Files.list(TEMPLATES)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        out.put(dir.getFileName().toString(), expected(JsonParser.parseString(Files.readString(dir.resolve("cases.json")))));
      }
    }
    for (JsonElement c : JsonParser.parseString(Files.readString(EXTRA)).getAsJsonArray()) {
      JsonObject o = c.getAsJsonObject();
      if (o.has("expected")) {
        out.get(o.get("model").getAsString()).add(o.get("expected").getAsString());
      }
    }
    return out;
  }

  private static List<String> expected(JsonElement cases) {
    List<String> out = new ArrayList<>();
    for (JsonElement c : cases.getAsJsonArray()) {
      if (c.getAsJsonObject().has("expected")) {
        out.add(c.getAsJsonObject().get("expected").getAsString());
      }
    }
    return out;
  }

  /** The special-token strings the texts contain. */
  static List<String> specials(List<String> texts) {
    Set<String> out = new LinkedHashSet<>();
    for (String text : texts) {
      Matcher m = BAR_TOKEN.matcher(text);
      while (m.find()) {
        out.add(m.group());
      }
      for (String s : NAMED) {
        if (text.contains(s)) {
          out.add(s);
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * GPT-2's tokenizer with {@code specials} as special added tokens and {@code normalized} as
   * normalized (non-special) added tokens, in the given pipeline.
   */
  static Path write(Path dir, List<String> specials, Pipeline pipeline, List<String> normalized) throws IOException {
    Path file = ChatTokenizers.write(dir, specials, null);
    JsonObject root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    JsonArray added = root.getAsJsonArray("added_tokens");
    int id = ChatTokenizers.GPT2_VOCAB + specials.size();
    for (String s : normalized) {
      added.add(TestTokenizers.addedToken(id++, s, false));
    }
    if (pipeline != Pipeline.GPT2) {
      JsonArray pre = new JsonArray();
      pre.add(JsonParser.parseString("{\"type\": \"Split\", \"pattern\": {\"Regex\": " + new com.google.gson.JsonPrimitive(
          LLAMA3_SPLIT) + "}, \"behavior\": \"Isolated\", \"invert\": false}"));
      pre.add(JsonParser.parseString("{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false,"
          + " \"use_regex\": false}"));
      JsonObject seq = new JsonObject();
      seq.addProperty("type", "Sequence");
      seq.add("pretokenizers", pre);
      root.add("pre_tokenizer", seq);
    }
    if (pipeline == Pipeline.QWEN2) {
      root.add("normalizer", JsonParser.parseString("{\"type\": \"NFC\"}"));
    }
    return rewrite(dir, root);
  }

  private static Path rewrite(Path dir, JsonObject root) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, root.toString());
    return file;
  }

  private static String show(String text) {
    StringBuilder s = new StringBuilder();
    text.codePoints().forEach(c -> s.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : String.valueOf((char) c)));
    return s.toString();
  }
}
