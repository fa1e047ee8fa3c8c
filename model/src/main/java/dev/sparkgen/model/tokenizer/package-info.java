/**
 * Text to token ids and back through a model folder's {@code tokenizer.json} (Hugging Face
 * {@code tokenizers}' Rust natives, through DJL): {@link dev.sparkgen.model.tokenizer.Tokenizer};
 * the parts of the file that decide how a text is cut ({@link dev.sparkgen.model.tokenizer.TokenizerJson});
 * cutting a text at its added tokens exactly where the native tokenizer does
 * ({@link dev.sparkgen.model.tokenizer.AddedTokenSplitter}), so that repeated pieces of chat
 * prompts are encoded once ({@code PieceCache}).
 */
package dev.sparkgen.model.tokenizer;
