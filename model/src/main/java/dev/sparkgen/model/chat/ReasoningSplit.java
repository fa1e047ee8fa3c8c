package dev.sparkgen.model.chat;

/**
 * A reasoning model's output split into its thinking and its answer: the text between
 * {@code <think>} and {@code </think>} and the text after. Templates such as Qwen3-Thinking-2507
 * and DeepSeek-R1 open the block in the generation prompt ({@code ...assistant\n<think>\n}), so the
 * output has only the closing tag; others (Qwen3 hybrid) let the model write both.
 *
 * <p>Rules (as vLLM's DeepSeek-R1/Qwen3 reasoning parsers, text-based): the block is open when the
 * rendered prompt ends with {@code <think>} (plus whitespace) or the output starts with it. Open
 * and closed: reasoning before the first {@code </think>}, answer after it. Open and never closed
 * (the row hit its token limit while thinking): all reasoning, empty answer. Not open: no
 * reasoning (null), the whole text is the answer. Newlines around the reasoning and before the
 * answer are dropped, as the Qwen3 template drops them when it re-reads a turn
 * ({@code reasoning_content.strip('\n')}, {@code content.lstrip('\n')}).
 *
 * @param reasoning the thinking, or null when the output has no reasoning block
 * @param content the answer
 */
public record ReasoningSplit(String reasoning, String content) {
  public static final String OPEN = "<think>";
  public static final String CLOSE = "</think>";

  /** Whether a rendered prompt leaves a reasoning block open for the model to continue. */
  public static boolean opensReasoning(String renderedPrompt) {
    return PyStrings.rstrip(renderedPrompt, null).endsWith(OPEN);
  }

  /** Splits generated text; {@code openedByPrompt} from {@link #opensReasoning} of the row's prompt. */
  public static ReasoningSplit of(String generated, boolean openedByPrompt) {
    String text = generated;
    boolean open = openedByPrompt;
    String start = PyStrings.lstrip(text, null);
    if (start.startsWith(OPEN)) {
      text = start.substring(OPEN.length());
      open = true;
    }
    if (!open) {
      return new ReasoningSplit(null, generated);
    }
    int close = text.indexOf(CLOSE);
    if (close < 0) {
      return new ReasoningSplit(PyStrings.strip(text, "\n"), "");
    }
    return new ReasoningSplit(PyStrings.strip(text.substring(0, close), "\n"),
        PyStrings.lstrip(text.substring(close + CLOSE.length()), "\n"));
  }
}
