/**
 * Driver-side preparation that must succeed before any task runs: the checkpoint, tokenizer and
 * generation settings resolved and checked ({@link dev.sparkgen.job.driver.ResolvedModel}, {@link
 * dev.sparkgen.job.driver.TokenizerFile}), the model folder's files stamped so that one changed while
 * it is read is refused ({@link dev.sparkgen.job.driver.ModelFiles}), the model's identity for the
 * output's provenance, and the
 * refusal of a max_batch_memory too small for even one row (batches are sized on the executors,
 * from the prompts they hold), and a chat template name the model does not have ({@link
 * dev.sparkgen.job.driver.ChatTemplateName}).
 */
package dev.sparkgen.job.driver;
