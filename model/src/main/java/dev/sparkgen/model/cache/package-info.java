/**
 * The KV cache of a decode batch: per layer, keys and values preallocated ({@code [batch, kvHeads,
 * capacity, headDim]}), written in place through libtorch's slice functions, read as views
 * (sliding-window layers read only their last W slots); continuous batches move rows' slots and
 * write new rows through one-row views. Prompt prefixes shared by several rows are kept as
 * {@code PrefixKv} in a small {@code PrefixStore}.
 */
package dev.sparkgen.model.cache;
