/**
 * Logits processors, one class per rule, each rewriting a row's next-token scores in place; the
 * order is fixed by {@link dev.sparkgen.model.generate.logits.LogitsPipeline#forConfig}.
 */
package dev.sparkgen.model.generate.logits;
