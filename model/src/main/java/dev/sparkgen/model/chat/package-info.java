/**
 * Chat templates: turning a conversation into the prompt text an instruct model was trained on,
 * exactly as Hugging Face transformers' {@code tokenizer.apply_chat_template(..., tokenize=False)}
 * renders it.
 *
 * <p>{@link dev.sparkgen.model.chat.ModelChatTemplate} finds a model folder's template (by name
 * among its {@link dev.sparkgen.model.chat.NamedChatTemplates}) and special tokens
 * ({@link dev.sparkgen.model.chat.SpecialTokens}) and renders conversations;
 * {@link dev.sparkgen.model.chat.ChatTemplate} is one parsed template, rendered by Jinjava set up as
 * transformers sets up jinja2 ({@code HfJinjava}). Where Jinjava and jinja2 differ, a small class
 * here makes it behave as jinja2: the lexer's rules, applied to the source before Jinjava parses it
 * ({@code TemplateSegments}, {@code RawBlocks}, {@code BlockWhitespace}, {@code ExpressionBraces}),
 * the expression grammar ({@code PyExpressionParser},
 * {@code PySlice}, the {@code Py*Operator}s), Python str and dict methods ({@code PyMethodResolver},
 * {@code PyStrings}), printing ({@code PyInterpreter}, {@code PyValues}), filters and tests
 * ({@code ToJsonFilter}/{@code PyJson}, {@code TrimFilter}, {@code LengthFilter},
 * {@code IterableTest}), the {@code for} tag ({@code PyForTag}), and transformers' globals
 * ({@code TemplateGlobals}, {@code Strftime}, {@code GenerationTag}). Each says which difference it
 * removes. {@link dev.sparkgen.model.chat.ReasoningSplit} separates a reasoning model's
 * {@code <think>} block from its answer.
 *
 * <p>Tested against templates of nine instruct model families rendered by Python jinja2 (test
 * resources {@code chat-templates/}, {@code chat-templates-extra/}).
 */
package dev.sparkgen.model.chat;
