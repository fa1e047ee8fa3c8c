package dev.sparkgen.model.generate.search;

import dev.sparkgen.model.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * The text of one row's continuation, as Hugging Face's text-generation pipeline returns it with
 * {@code return_full_text=False} (and vLLM): {@code decode(prompt + generated)} minus the first
 * {@code len(decode(prompt))} characters, special tokens skipped in both unless asked to keep them
 * (the pipeline's and vLLM's {@code skip_special_tokens}, default true). Decoding the generated ids
 * alone would lose what only the prompt's context gives them, e.g. the space that a SentencePiece
 * (Metaspace) decoder drops before the first word of a text.
 *
 * <p>One instance per prompt; the decoded prompt's length is computed on first use and kept.
 * Not thread-safe (a row is decoded by the one thread that runs its batch).
 */
public final class ContinuationText {
  private final Tokenizer tokenizer;
  private final int[] prompt;
  private final boolean skipSpecialTokens;
  private int promptChars = -1;

  /** {@code tokenizer} null: there is no text (every call returns null). */
  ContinuationText(Tokenizer tokenizer, int[] prompt, boolean skipSpecialTokens) {
    this.tokenizer = tokenizer;
    this.prompt = prompt;
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /** The continuation's text for these generated ids; null without a tokenizer. */
  public String of(int[] generated) {
    if (tokenizer == null) {
      return null;
    }
    if (promptChars < 0) {
      promptChars = tokenizer.decode(prompt, skipSpecialTokens).length();
    }
    int[] all = Arrays.copyOf(prompt, prompt.length + generated.length);
    System.arraycopy(generated, 0, all, prompt.length, generated.length);
    String text = tokenizer.decode(all, skipSpecialTokens);
    // HF slices by the prompt's length whatever the text holds there; a decoder that merges across
    // the boundary can make the whole text shorter than the prompt's (then nothing is left).
    return text.substring(Math.min(promptChars, text.length()));
  }
}
