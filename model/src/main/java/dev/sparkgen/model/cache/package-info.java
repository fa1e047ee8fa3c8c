/**
 * The KV cache of a decode batch: per layer, keys and values preallocated for the batch's whole run
 * ({@code [batch, kvHeads, capacity, headDim]}), written in place through libtorch's slice functions,
 * read as views (sliding-window layers read only their last W slots).
 */
package dev.sparkgen.model.cache;
