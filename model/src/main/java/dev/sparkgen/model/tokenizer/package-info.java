/**
 * The Hugging Face {@code tokenizer.json} tokenizer (through DJL's Rust binding), with encode and
 * decode as {@code transformers} calls them ({@code add_special_tokens}, {@code skip_special_tokens}).
 */
package dev.sparkgen.model.tokenizer;
