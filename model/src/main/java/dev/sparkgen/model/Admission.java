package dev.sparkgen.model;

/**
 * One prompt of a {@link DecodeBatch#admit(java.util.List) multi-prompt admission}: the prompt's
 * token ids, the batch rows it takes (its first sample in {@code rows[0]}, copies of it, its
 * further samples, in the others) and how many of its first tokens other prompts of the batch
 * share (0 for none; see {@link DecodeBatch#admit(int[], int[], int)}).
 *
 * @param rows distinct batch rows, at least one, none taken by another prompt of the same admission
 * @param prompt token ids, [L]
 * @param sharedPrefix tokens of a prefix whose keys and values the batch may store and reuse
 */
public record Admission(int[] rows, int[] prompt, int sharedPrefix) {}
