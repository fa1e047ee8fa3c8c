package dev.sparkgen.model.chat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named special tokens of a {@code tokenizer_config.json} that transformers passes to a chat
 * template ({@code special_tokens_map}): {@code bos_token}, {@code eos_token}, {@code unk_token},
 * {@code sep_token}, {@code pad_token}, {@code cls_token}, {@code mask_token} (strings) and
 * {@code additional_special_tokens} (a list). Each may be written as a string or as a serialised
 * {@code AddedToken} object ({@code {"content": "<s>", ...}}); null or absent tokens are not passed.
 *
 * @param values token name to its text (a String, or a List of String for the additional tokens),
 *     in the order above; only tokens that are set
 */
public record SpecialTokens(Map<String, Object> values) {
  /** The keys transformers reads, in its order (SPECIAL_TOKENS_ATTRIBUTES). */
  public static final List<String> KEYS = List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
      "cls_token", "mask_token", "additional_special_tokens");

  public SpecialTokens {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** No special tokens. */
  public static SpecialTokens none() {
    return new SpecialTokens(Map.of());
  }

  /**
   * Reads the special-token fields of a parsed {@code tokenizer_config.json}.
   *
   * @throws IllegalArgumentException when a field is neither a string, an AddedToken object nor
   *     null (the message names the field; callers add the file)
   */
  public static SpecialTokens fromConfig(Map<String, ?> config) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String key : KEYS) {
      Object v = config.get(key);
      if (v == null) {
        continue;
      }
      if (key.equals("additional_special_tokens")) {
        if (!(v instanceof List<?> list)) {
          throw new IllegalArgumentException(key + " must be a list, not " + v);
        }
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          texts.add(text(key + "[" + i + "]", list.get(i)));
        }
        if (!texts.isEmpty()) {
          out.put(key, List.copyOf(texts));
        }
      } else {
        out.put(key, text(key, v));
      }
    }
    return new SpecialTokens(out);
  }

  private static String text(String field, Object v) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Map<?, ?> added && added.get("content") instanceof String s) {
      return s;
    }
    throw new IllegalArgumentException(field + " must be a string or an AddedToken object with \"content\", not " + v);
  }

  /** The BOS token's text, or null. */
  public String bos() {
    return (String) values.get("bos_token");
  }

  /** The EOS token's text, or null. */
  public String eos() {
    return (String) values.get("eos_token");
  }
}
