/**
 * Benchmark programs of the job: each a {@code main} that measures and prints its figures; none
 * asserts anything, and none is run by the tests. {@code SparkBenchmark} (the job end to end against
 * the model alone), {@code WorkloadBenchmark} (continuous vs static scheduling, shared-prefix reuse),
 * {@code SchedulingBreakdown} (where a scheduler's CPU time goes), {@code RealSizeBenchmark}
 * (published model sizes through a local cluster). Compiled with the tests from
 * {@code src/bench/java}; run with {@code java} on the job's test class path, as
 * {@code model/bench/README.md} shows.
 */
package dev.sparkgen.job.bench;
