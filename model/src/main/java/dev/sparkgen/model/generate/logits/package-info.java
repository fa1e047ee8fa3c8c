/**
 * Logits processors, one class per rule, each rewriting a row's next-token scores in place; the
 * order is fixed by {@link dev.sparkgen.model.generate.logits.LogitsPipeline#forConfig}. Each rule
 * but the response format also has a device form over a whole batch's scores in libtorch, beside
 * its host form in the same class ({@link dev.sparkgen.model.generate.logits.DeviceScores}: full
 * rows, or the compact candidates top-k and top-p leave); the host form is the reference.
 */
package dev.sparkgen.model.generate.logits;
