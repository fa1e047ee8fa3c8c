/**
 * What runs on executors: {@link dev.sparkgen.job.exec.PartitionGenerator} (one call per partition:
 * prepare each row, generate in batches, emit one row per returned sequence), the per-JVM {@link
 * dev.sparkgen.job.exec.ExecutorCache} (one model per executor JVM), how the model reaches an
 * executor ({@link dev.sparkgen.job.exec.ModelSource}: the model's files served by the driver's RPC
 * file server and fetched into a local copy, {@link dev.sparkgen.job.exec.ServedFiles} and {@link
 * dev.sparkgen.job.exec.FetchedFolder}; broadcast chunks; or a shared folder), the per-row
 * sampling key, a row's own generation settings ({@link dev.sparkgen.job.exec.RowSettings}),
 * structured output, and {@link dev.sparkgen.job.exec.OutputColumns}, the one class
 * that knows the output row, and {@link dev.sparkgen.job.exec.ProgressCounters} (the accumulators
 * progress is counted in). Everything here is serialisable and reaches executors in the task
 * closure.
 */
package dev.sparkgen.job.exec;
