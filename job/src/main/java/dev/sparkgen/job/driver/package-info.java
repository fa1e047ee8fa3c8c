/**
 * Driver-side preparation that must succeed before any task runs: the checkpoint, tokenizer and
 * generation settings resolved and checked ({@link dev.sparkgen.job.driver.ResolvedModel}, {@link
 * dev.sparkgen.job.driver.TokenizerFile}), the model's identity for the output's provenance, and the
 * batch memory estimate that refuses a batch size before it runs out of memory on an executor.
 */
package dev.sparkgen.job.driver;
