package dev.sparkgen.model.tokenizer;

import com.google.gson.JsonElement;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Cuts a text at its added tokens as Hugging Face {@code tokenizers} does first thing in every
 * encode, so that the pieces between them can be encoded (and cached) one by one with the same ids
 * as the whole text.
 *
 * <p>The rule, from {@code tokenizers} 0.21.4 (the version in DJL 0.36's natives),
 * {@code tokenizer/added_vocabulary.rs}, {@code extract_and_normalize}: the raw text is split at
 * every match of the added tokens whose {@code normalized} is false (an Aho-Corasick automaton,
 * {@code MatchKind::LeftmostLongest}); each remaining piece is then normalized, searched for the
 * {@code normalized} added tokens, pre-tokenized and given to the model on its own. With
 * {@code add_special_tokens=false} the post-processors below add no ids. So
 * {@code ids(text) = ids(piece 1) + [token id] + ids(piece 2) + ...} exactly, provided no step
 * looks past its piece. One step does: Metaspace with {@code prepend_scheme: "first"} (SentencePiece
 * tokenizers such as Llama 2's) prepends its space only to the piece at offset 0 of the whole
 * input; and {@code lstrip}/{@code rstrip}/{@code single_word} tokens move the cut by the
 * whitespace around them. {@link #whyNotExact} refuses those, and anything it does not know, so a
 * tokenizer it refuses is encoded whole as before.
 *
 * <p>Immutable and thread safe. Matching walks a character trie of the token strings: the cost is
 * the text length plus the matched lengths, whatever the number of added tokens (Llama 3 has 256,
 * all starting {@code <|}).
 */
public final class AddedTokenSplitter {
  /** Pre-tokenizers that act on each piece alone (their {@code pre_tokenize} never reads original offsets). */
  private static final Set<String> PIECEWISE_PRE_TOKENIZERS = Set.of("ByteLevel", "Split", "Digits", "Punctuation",
      "Whitespace", "WhitespaceSplit", "BertPreTokenizer", "CharDelimiterSplit", "UnicodeScripts", "FixedLength",
      "Metaspace", "Sequence");
  /** Post-processors that add nothing with {@code add_special_tokens=false} (they return the encodings as given). */
  private static final Set<String> SILENT_POST_PROCESSORS = Set.of("ByteLevel", "TemplateProcessing",
      "RobertaProcessing", "BertProcessing", "Sequence");
  private static final Set<String> MODELS = Set.of("BPE", "Unigram", "WordPiece", "WordLevel");

  /** Receives the cut text: pieces between tokens, and the tokens' ids. */
  public interface Pieces {
    /** Text between two added tokens (never empty). */
    void text(String piece);

    /** An added token matched in the text. */
    void token(int id);
  }

  private final Node root = new Node();

  /**
   * @param tokens the non-normalized added tokens' strings (not empty) and their ids, as the
   *     native tokenizer encodes each one alone
   */
  public AddedTokenSplitter(Map<String, Integer> tokens) {
    for (Map.Entry<String, Integer> e : tokens.entrySet()) {
      if (e.getKey().isEmpty()) {
        throw new IllegalArgumentException("an added token cannot be empty");
      }
      Node n = root;
      for (int i = 0; i < e.getKey().length(); i++) {
        n = n.childOrNew(e.getKey().charAt(i));
      }
      n.id = e.getValue();
    }
  }

  /**
   * Null when {@code json}'s encoding splits exactly at its non-normalized added tokens (see the
   * class comment), else why not, naming the component and value.
   */
  public static String whyNotExact(TokenizerJson json) {
    for (TokenizerJson.AddedToken t : json.addedTokens()) {
      if (!t.normalized() && (t.lstrip() || t.rstrip() || t.singleWord())) {
        return "added token " + t.content() + " has lstrip, rstrip or single_word";
      }
    }
    String pre = whyNotPiecewise(json.preTokenizer());
    if (pre != null) {
      return pre;
    }
    String post = whyNotSilent(json.postProcessor());
    if (post != null) {
      return post;
    }
    if (json.modelType() != null && !MODELS.contains(json.modelType())) {
      return "model type " + json.modelType();
    }
    if (json.modelDropout()) {
      return "model.dropout is set";
    }
    return null; // the normalizer runs on each piece whatever it is (extract_and_normalize)
  }

  private static String whyNotSilent(JsonElement post) {
    if (post == null || post.isJsonNull()) {
      return null;
    }
    String type = TokenizerJson.type(post);
    if (!SILENT_POST_PROCESSORS.contains(type)) {
      return "post_processor type " + type;
    }
    if (type.equals("Sequence")) {
      JsonElement members = post.getAsJsonObject().get("processors");
      if (members == null || !members.isJsonArray()) {
        return "post_processor Sequence without processors";
      }
      for (JsonElement m : members.getAsJsonArray()) {
        String why = whyNotSilent(m);
        if (why != null) {
          return why;
        }
      }
    }
    return null;
  }

  private static String whyNotPiecewise(JsonElement pre) {
    if (pre == null || pre.isJsonNull()) {
      return null;
    }
    String type = TokenizerJson.type(pre);
    if (!PIECEWISE_PRE_TOKENIZERS.contains(type)) {
      return "pre_tokenizer type " + type;
    }
    if (type.equals("Metaspace")) {
      JsonElement scheme = pre.getAsJsonObject().get("prepend_scheme");
      if (scheme != null && scheme.isJsonPrimitive() && scheme.getAsString().equals("first")) {
        return "pre_tokenizer Metaspace with prepend_scheme \"first\"";
      }
    }
    if (type.equals("Sequence")) {
      JsonElement members = pre.getAsJsonObject().get("pretokenizers");
      if (members == null || !members.isJsonArray()) {
        return "pre_tokenizer Sequence without pretokenizers";
      }
      for (JsonElement m : members.getAsJsonArray()) {
        String why = whyNotPiecewise(m);
        if (why != null) {
          return why;
        }
      }
    }
    return null;
  }

  /**
   * Cuts {@code text} at the leftmost-longest matches of the tokens, left to right, as
   * {@code find_matches} does.
   *
   * @return whether any token matched (when none did, {@code pieces} got the whole text, if not empty)
   */
  public boolean split(String text, Pieces pieces) {
    int start = 0; // start of the current text piece
    int i = 0;
    boolean matched = false;
    while (i < text.length()) {
      long m = longestAt(text, i); // (length << 32) | id, or -1
      if (m < 0) {
        i++;
        continue;
      }
      if (i > start) {
        pieces.text(text.substring(start, i));
      }
      pieces.token((int) m);
      i += (int) (m >>> 32);
      start = i;
      matched = true;
    }
    if (start < text.length()) {
      pieces.text(start == 0 ? text : text.substring(start));
    }
    return matched;
  }

  /** The longest token starting at {@code at}: (length << 32) | id, or -1 when none. */
  private long longestAt(String text, int at) {
    long best = -1;
    Node n = root;
    for (int i = at; i < text.length(); i++) {
      n = n.child(text.charAt(i));
      if (n == null) {
        break;
      }
      if (n.id >= 0) {
        best = ((long) (i + 1 - at) << 32) | n.id;
      }
    }
    return best;
  }

  /** A trie node: children by character (sorted, binary searched), the token id ending here or -1. */
  private static final class Node {
    private char[] keys = new char[0];
    private Node[] children = new Node[0];
    private int id = -1;

    Node child(char c) {
      int k = Arrays.binarySearch(keys, c);
      return k >= 0 ? children[k] : null;
    }

    Node childOrNew(char c) {
      int k = Arrays.binarySearch(keys, c);
      if (k >= 0) {
        return children[k];
      }
      int at = -k - 1;
      char[] ks = new char[keys.length + 1];
      Node[] cs = new Node[keys.length + 1];
      System.arraycopy(keys, 0, ks, 0, at);
      System.arraycopy(children, 0, cs, 0, at);
      ks[at] = c;
      cs[at] = new Node();
      System.arraycopy(keys, at, ks, at + 1, keys.length - at);
      System.arraycopy(children, at, cs, at + 1, keys.length - at);
      keys = ks;
      children = cs;
      return cs[at];
    }
  }
}
