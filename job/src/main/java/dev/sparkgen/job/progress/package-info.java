/**
 * Live progress on the driver: {@link dev.sparkgen.job.progress.ProgressListener} sums what the
 * executors' progress accumulators report (finished tasks, and running ones through their
 * heartbeats), {@link dev.sparkgen.job.progress.ProgressReporter} prints a {@link
 * dev.sparkgen.job.progress.ProgressLine} every {@code progress_interval} seconds, and {@link
 * dev.sparkgen.job.progress.ProgressTab} shows the same live in the Spark UI.
 */
package dev.sparkgen.job.progress;
