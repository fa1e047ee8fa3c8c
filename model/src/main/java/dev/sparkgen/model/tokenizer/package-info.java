/**
 * The Hugging Face {@code tokenizer.json} tokenizer (through DJL's Rust binding), with encode and
 * decode as {@code transformers} calls them ({@code add_special_tokens}, {@code skip_special_tokens}):
 * {@link dev.sparkgen.model.tokenizer.Tokenizer}; the parts of the file that decide how a text is
 * cut ({@link dev.sparkgen.model.tokenizer.TokenizerJson}); cutting a text at its added tokens
 * exactly where the native tokenizer does ({@link dev.sparkgen.model.tokenizer.AddedTokenSplitter}),
 * so that the pieces chat prompts repeat on every row are encoded once ({@code PieceCache}).
 */
package dev.sparkgen.model.tokenizer;
