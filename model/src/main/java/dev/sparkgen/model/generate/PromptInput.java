package dev.sparkgen.model.generate;

/**
 * One prompt to generate for.
 *
 * @param key a stable 64-bit key of the row (e.g. a hash of its id): with the seed and the sample
 *     index it alone determines the row's random stream, whatever batch or partition it lands in
 * @param tokenIds the prompt's token ids, non-empty
 */
public record PromptInput(long key, int[] tokenIds) {}
