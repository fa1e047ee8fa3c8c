package dev.sparkgen.model.generate.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.model.tokenizer.TestTokenizers;
import dev.sparkgen.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ContinuationText} decodes incrementally and still returns, after every token, exactly
 * {@code decode(prompt + generated)[len(decode(prompt)):]}: checked against that full decode on
 * random rows over tokenizers whose decoders merge across tokens (byte-level BPE with partial
 * UTF-8 tokens, Llama byte fallback runs, Metaspace's first-token space, special tokens).
 */
class ContinuationTextTest {
  @TempDir
  static Path dir;

  private static Tokenizer tokenizer(String name) throws Exception {
    return switch (name) {
      case "gpt2" -> Tokenizer.load(Path.of(ContinuationTextTest.class.getResource("/tokenizers/gpt2").toURI()));
      case "llama-metaspace" -> Tokenizer.load(
          Path.of(ContinuationTextTest.class.getResource("/tokenizers/llama-metaspace").toURI()));
      case "byte-fallback" -> Tokenizer.load(TestTokenizers.sentencePiece(dir, false));
      case "byte-fallback-metaspace" -> Tokenizer.load(TestTokenizers.sentencePiece(dir, true));
      default -> throw new IllegalArgumentException(name);
    };
  }

  /**
   * Token ids that make decoding hard: pieces of real multi-byte text (whole and cut), single
   * bytes, specials, and random ids.
   */
  private static int[] pool(Tokenizer t, String name, int vocab) {
    List<Integer> ids = new ArrayList<>();
    for (String s : List.of("é", "中文", "😀", " \u2014 \u201chi\u201d \u2019s", " \u00e9t\u00e9", " caf\u00e9 na\u00efve", " t11 t12", "yes no", "{\"a\": 1}", " ")) {
      for (int id : t.encode(s)) {
        ids.add(id);
      }
    }
    int bytesFrom = name.startsWith("byte-fallback") ? 3 : 0; // <0x00>.. in the test SentencePiece; GPT-2's first 256 ids are bytes
    for (int b : new int[] {0x41, 0x20, 0xC3, 0xA9, 0xE4, 0xB8, 0xAD, 0xF0, 0x9F, 0x98, 0x80, 0x80, 0xFF}) {
      if (bytesFrom + b < vocab) {
        ids.add(bytesFrom + b);
      }
    }
    ids.addAll(List.of(0, 1, 2));
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpt2", "llama-metaspace", "byte-fallback", "byte-fallback-metaspace"})
  void incrementalTextEqualsTheFullDecodeAfterEveryToken(String name) throws Exception {
    try (Tokenizer t = tokenizer(name)) {
      int vocab = switch (name) {
        case "gpt2" -> 50257;
        case "llama-metaspace" -> 64;
        default -> TestTokenizers.sentencePieceVocab();
      };
      int[] pool = pool(t, name, vocab);
      SplittableRandom random = new SplittableRandom(name.hashCode());
      int splits = 0;
      for (int row = 0; row < 40; row++) {
        boolean skip = row % 4 != 3;
        int[] prompt = random.ints(1 + random.nextInt(4), 0, vocab).toArray();
        if (row % 5 == 0) {
          prompt[prompt.length - 1] = pool[random.nextInt(pool.length)]; // e.g. a prompt ending in half a character
        }
        ContinuationText incremental = new ContinuationText(t, prompt, skip);
        int promptChars = t.decode(prompt, skip).length();
        int[] generated = new int[0];
        List<String> texts = new ArrayList<>();
        for (int step = 0; step < 30; step++) {
          generated = Arrays.copyOf(generated, generated.length + 1);
          generated[step] = random.nextInt(3) == 0 ? random.nextInt(vocab) : pool[random.nextInt(pool.length)];
          int[] all = Arrays.copyOf(prompt, prompt.length + generated.length);
          System.arraycopy(generated, 0, all, prompt.length, generated.length);
          String full = t.decode(all, skip);
          String want = full.substring(Math.min(promptChars, full.length()));
          int stableBefore = incremental.stableLength();
          String got = incremental.of(generated);
          String where = name + " row " + row + " step " + step + " ids " + Arrays.toString(all);
          assertEquals(want, got, where);
          assertEquals(got, incremental.of(generated.clone()), "same ids again: " + where);
          // The stable part only grows, and no later text changes it.
          assertTrue(incremental.stableLength() >= stableBefore, where);
          for (String earlier : texts) {
            assertTrue(got.startsWith(earlier.substring(0, Math.min(earlier.length(), stableBefore))), where);
          }
          texts.add(got.substring(0, incremental.stableLength()));
        }
        splits += incremental.stableLength() > 0 ? 1 : 0;
      }
      assertTrue(splits > 0, name + ": no row ever fixed a split");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpt2", "llama-metaspace", "byte-fallback", "byte-fallback-metaspace"})
  void ordinaryTextIsFixedAsItGrowsSoEachStepDecodesAWindowOnly(String name) throws Exception {
    try (Tokenizer t = tokenizer(name)) {
      String sentence = name.equals("llama-metaspace") ? "t3 t9 t10 t11 t12 t40 t41 t13 t14 t15 t16 t17 t18 t19 t20"
          : " yes no yes {a no yes a o yes no caf\u00e9 yes no yes yes no";
      // The test SentencePiece has no pre-tokenizer: encoding text gives byte tokens only (one long
      // run, rightly never split), so its row is written in pieces ("▁yes", "▁no", ...) and two byte runs.
      int p = 3 + 256;
      int[] ids = name.startsWith("byte-fallback")
          ? new int[] {p + 1, p + 2, p + 1, p + 5, p + 7, p + 2, p + 1, 3 + 0xC3, 3 + 0xA9, p + 8, p + 2, p + 1, p + 2,
              3 + 0xE4, 3 + 0xB8, 3 + 0xAD, p + 1, p + 2, p + 1}
          : t.encode(sentence);
      int[] prompt = {ids[0]};
      ContinuationText text = new ContinuationText(t, prompt, true);
      String got = "";
      int[] generated = new int[0];
      for (int i = 1; i < ids.length; i++) {
        generated = Arrays.copyOfRange(ids, 1, i + 1);
        got = text.of(generated);
      }
      assertTrue(ids.length > 10, name + ": " + ids.length + " tokens");
      // All but the last few tokens' text is fixed: the next token would decode a window only.
      assertTrue(text.stableLength() >= got.length() - 12, name + ": " + text.stableLength() + " of " + got.length()
          + " characters fixed in \"" + got + "\"");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpt2", "byte-fallback"})
  void idsThatDoNotExtendThePreviousCallAreDecodedInFull(String name) throws Exception {
    try (Tokenizer t = tokenizer(name)) {
      int[] prompt = t.encode("x");
      ContinuationText text = new ContinuationText(t, prompt, true);
      int[] a = t.encode(" caf\u00e9 na\u00efve and more words here");
      int[] b = t.encode(" something else entirely, and longer");
      for (int[] ids : List.of(a, b, Arrays.copyOf(a, 3), a)) {
        int[] all = Arrays.copyOf(prompt, prompt.length + ids.length);
        System.arraycopy(ids, 0, all, prompt.length, ids.length);
        String full = t.decode(all, true);
        assertEquals(full.substring(t.decode(prompt, true).length()), text.of(ids));
      }
    }
  }
}
