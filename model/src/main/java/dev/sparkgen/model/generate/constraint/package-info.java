/**
 * Structured output: a response format ({@code json}, a JSON Schema subset, a regular expression or
 * a list of choices) compiled to a deterministic automaton over UTF-8 bytes ({@link
 * dev.sparkgen.model.generate.constraint.ByteDfa}, built with dk.brics.automaton), then lifted to
 * the token level over a tokenizer's vocabulary ({@link
 * dev.sparkgen.model.generate.constraint.TokenConstraint}): for each automaton state, the tokens
 * whose decoded bytes keep the text inside the language, computed lazily and cached. The logits
 * processor that applies it is {@link dev.sparkgen.model.generate.logits.ResponseFormatProcessor}.
 *
 * <p>Every automaton here reads UTF-8 bytes (brics "chars" 0..255), never UTF-16 units: a token
 * that ends in the middle of a multi-byte character simply leaves the automaton between bytes.
 */
package dev.sparkgen.model.generate.constraint;
