/**
 * The small trainer that makes the embedded demo model: a byte-level corpus and tokenizer, a
 * trainable GPT-2, AdamW and a learning-rate schedule. Not used by generation.
 */
package dev.sparkgen.model.train;
