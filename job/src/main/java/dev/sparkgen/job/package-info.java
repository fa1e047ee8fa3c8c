/**
 * The job's entry points and nothing else: {@link dev.sparkgen.job.Main} (the command line, a thin
 * main), {@link dev.sparkgen.job.SparkGen} (the Java API), {@link dev.sparkgen.job.BatchJob} (read,
 * generate, write, summarise), {@link dev.sparkgen.job.SlicedJob} (the same under mode=resume, slice
 * by slice), {@link dev.sparkgen.job.DryRun} (dry_run: a measured plan, nothing written), {@link dev.sparkgen.job.ModelShipment} (the model on its way to the
 * executors, prepared once) and {@link dev.sparkgen.job.GenerationRun} (one configuration's Dataset
 * transformation over a shipment), {@link dev.sparkgen.job.GenerateTextFunction} (the SQL function
 * and the optimizer rule that batches it), plus the console logging set-up.
 *
 * <p>Imports point down, one layer to the next: this package, then {@code resume} (the sliced
 * output of mode=resume: manifest, commits) and {@code progress} (progress lines from the executors'
 * accumulators), then {@code io} (reading prompts,
 * writing results and the summary), {@code driver} (driver-side checks before any task runs: the
 * resolved model and tokenizer, their identity, the batch memory estimate), {@code config} (keys,
 * precedence, the validated {@code JobConfig}), {@code exec} (what runs on executors), {@code chat}
 * (conversations and templates), and {@code error} (the job's exceptions, seen by every layer).
 */
package dev.sparkgen.job;
