/**
 * The model core: {@link dev.sparkgen.model.CausalLm} (a decoder-only transformer of any supported
 * family on DJL's PyTorch engine, one {@code NDManager} per model) and the {@link
 * dev.sparkgen.model.BatchModel}/{@link dev.sparkgen.model.DecodeBatch} seam that decoding runs
 * against, so search and sampling are testable without DJL ({@link dev.sparkgen.model.LogitsReader}
 * lets sampling read a step's logits where they are). {@code LmBatch} is the real decode batch
 * (left-padded rows over one KV cache, a sub-manager per batch, a scope per step). Sub-packages:
 * {@code config} (families), {@code nn} (blocks), {@code cache}, {@code weights}, {@code tokenizer},
 * {@code chat}, {@code generate}, {@code json}, {@code train}.
 */
package dev.sparkgen.model;
