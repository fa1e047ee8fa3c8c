package dev.sparkgen.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import dev.sparkgen.model.DjlEnvironment;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model folder's {@code tokenizer.json}, through DJL's Hugging Face tokenizers (Rust natives
 * shipped in the tokenizers jar, extracted offline). Encoding never truncates or pads; special
 * tokens are added only when asked ({@link #encode(String, boolean)}), through the file's own
 * post-processor, as Hugging Face {@code tokenizer(text)} does.
 *
 * <p>Text encoded without special tokens (chat prompts) is cut at its added tokens first
 * ({@link AddedTokenSplitter}: exactly where the native tokenizer cuts it) and the pieces between
 * them are encoded one by one, each looked up in a {@link PieceCache} first: a chat template writes
 * the same header and role pieces on every row, and the native encode costs in proportion to the
 * text (it builds per-character offset tables that sparkgen never reads). The ids are the same as
 * encoding the whole text; tokenizers where that would not hold ({@link AddedTokenSplitter#whyNotExact})
 * are encoded whole.
 */
public final class Tokenizer implements AutoCloseable {
  /** The file name inside a model folder. */
  public static final String FILE = "tokenizer.json";

  private static final Map<String, String> OPTIONS =
      Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

  private final HuggingFaceTokenizer tokenizer;
  private final Path file;
  private final AddedTokenSplitter splitter; // null: encode whole
  private final String whyWhole; // null when splitter is set
  private final PieceCache cache = new PieceCache();

  private Tokenizer(HuggingFaceTokenizer tokenizer, Path file) {
    this.tokenizer = tokenizer;
    this.file = file;
    String why;
    AddedTokenSplitter split = null;
    try {
      TokenizerJson json = TokenizerJson.read(file);
      why = AddedTokenSplitter.whyNotExact(json);
      Map<String, Integer> ids = new LinkedHashMap<>();
      for (TokenizerJson.AddedToken t : json.addedTokens()) {
        if (why != null || t.normalized() || t.content().isEmpty()) {
          continue;
        }
        int[] alone = encodeNative(t.content(), false); // the id the native tokenizer gives it, not the file's claim
        if (alone.length != 1) {
          why = "added token " + t.content() + " encodes as " + Arrays.toString(alone);
        }
        ids.put(t.content(), alone.length == 1 ? alone[0] : -1);
      }
      if (why == null) {
        split = new AddedTokenSplitter(ids);
      }
    } catch (IllegalArgumentException e) {
      why = e.getMessage();
    }
    this.splitter = split;
    this.whyWhole = why;
  }

  /** Loads {@code tokenizer.json} (a file, or a folder holding one); errors name the file. */
  public static Tokenizer load(Path path) {
    Path name = path.getFileName();
    Path file = name != null && name.toString().endsWith(".json") ? path : path.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("tokenizer file not found: " + file);
    }
    DjlEnvironment.apply(); // offline: the natives come from the jar, nothing is downloaded
    try {
      return new Tokenizer(HuggingFaceTokenizer.newInstance(file, OPTIONS), file);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  /** Token ids of {@code text}, with no special tokens added. */
  public int[] encode(String text) {
    return encode(text, false);
  }

  /**
   * Token ids of {@code text}. With {@code addSpecialTokens} the tokenizer.json's post-processor
   * runs, as in Hugging Face {@code tokenizer(text)} (its default {@code add_special_tokens=True}):
   * a Llama {@code TemplateProcessing} prepends {@code <s>} / {@code <|begin_of_text|>}, GPT-2's
   * {@code ByteLevel} post-processor adds nothing. Errors (RuntimeException) come from the Rust
   * tokenizer (e.g. a WordLevel vocabulary without its unknown token); a text with a lone UTF-16
   * surrogate is refused with an IllegalArgumentException naming its position.
   *
   * <p>Without special tokens the text is encoded piece by piece between its added tokens (see the
   * class comment); with them, whole (the post-processor sees the whole sequence).
   */
  public int[] encode(String text, boolean addSpecialTokens) {
    checkUnicode(text);
    if (addSpecialTokens || splitter == null) {
      return encodeNative(text, addSpecialTokens);
    }
    Assembly out = new Assembly(text);
    splitter.split(text, out);
    return out.ids();
  }

  /**
   * Ids of a text cut at its added tokens: cached pieces copied, others encoded and cached; a text
   * with no added token is encoded directly (a row's own text would only churn the cache).
   */
  private final class Assembly implements AddedTokenSplitter.Pieces {
    private final String text;
    private int[] ids = new int[64];
    private int n;
    private boolean whole;

    Assembly(String text) {
      this.text = text;
    }

    @Override
    public void text(String piece) {
      if (piece.length() == text.length()) { // no token matched: split hands over the whole text
        ids = encodeNative(text, false);
        n = ids.length;
        whole = true;
        return;
      }
      int[] p = cache.get(piece);
      if (p == null) {
        p = encodeNative(piece, false);
        cache.put(piece, p);
      }
      grow(p.length);
      System.arraycopy(p, 0, ids, n, p.length);
      n += p.length;
    }

    @Override
    public void token(int id) {
      grow(1);
      ids[n++] = id;
    }

    private void grow(int more) {
      if (n + more > ids.length) {
        ids = Arrays.copyOf(ids, Math.max(2 * ids.length, n + more));
      }
    }

    int[] ids() {
      return whole || n == ids.length ? ids : Arrays.copyOf(ids, n);
    }
  }

  /** Why this tokenizer encodes text whole, or null when it cuts at added tokens (for tests). */
  String whyEncodedWhole() {
    return whyWhole;
  }

  /** Pieces in the cache (for tests). */
  int cachedPieces() {
    return cache.size();
  }

  /** {@link #encode} of the whole text, never cut (for tests: the reference the cut encoding must equal). */
  int[] encodeWhole(String text, boolean addSpecialTokens) {
    checkUnicode(text);
    return encodeNative(text, addSpecialTokens);
  }

  /**
   * Refuses a lone UTF-16 surrogate: it is not Unicode text. Hugging Face refuses it too (Python's
   * str to UTF-8: "surrogates not allowed"); DJL's native side would instead decode the whole
   * string leniently and garble every other character outside the Basic Multilingual Plane in it
   * (each emoji becomes other ids), so the row's ids would depend on an unrelated character.
   */
  private static void checkUnicode(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
          continue;
        }
        throw new IllegalArgumentException(String.format("the text has a lone UTF-16 surrogate \\u%04X at character %d:"
            + " not Unicode text", (int) c, i));
      }
    }
  }

  /**
   * The native encode of the whole text. Goes to the native library for the ids only: DJL's
   * {@code encode} also copies tokens, offsets and masks back into Java, which doubled the cost of a
   * chat prompt (DJL's text pre-processing, prefix space / lower case / accents, is off with this
   * tokenizer's options, so the ids are the same).
   */
  private int[] encodeNative(String text, boolean addSpecialTokens) {
    long[] ids;
    try {
      long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, addSpecialTokens);
      try {
        ids = TokenizersLibrary.LIB.getTokenIds(encoding);
      } finally {
        TokenizersLibrary.LIB.deleteEncoding(encoding);
      }
    } finally {
      // DJL frees the native tokenizer when its Java object is collected; keep it reachable until
      // the native calls that use its handle are done (otherwise: a use after free in Rust).
      Reference.reachabilityFence(tokenizer);
    }
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /** Text of {@code ids}; special tokens skipped when asked. */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    long[] longs = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      longs[i] = ids[i];
    }
    try {
      return tokenizer.decode(longs, skipSpecialTokens);
    } finally {
      Reference.reachabilityFence(tokenizer); // as in encode
    }
  }

  /** The tokenizer.json this was loaded from. */
  public Path file() {
    return file;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
