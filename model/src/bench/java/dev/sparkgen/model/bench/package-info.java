/**
 * Benchmark programs of the model module, no Spark: each a {@code main} that measures and prints its
 * figures (and most write a JSON file under {@code bench-out/}); none asserts anything, and none is
 * run by the tests. {@code SpeedBenchmark} (GEMM and bandwidth ceiling, greedy decode by batch),
 * {@code DecodeBenchmark}, {@code Batch1Breakdown} and {@code CacheSetCost} (where a batch-1 step
 * goes), {@code SamplingBenchmark} (choosing tokens on the host vs the device),
 * {@code StructuredOutputBenchmark}, {@code ChatTemplateBenchmark}; the rest are their shared parts
 * (options, spreads, ceilings, checkpoint tokenizers). Compiled with the tests from
 * {@code src/bench/java}; how to run them, the method and the results: {@code model/bench/README.md}.
 */
package dev.sparkgen.model.bench;
