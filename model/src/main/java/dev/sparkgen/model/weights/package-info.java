/**
 * Checkpoints: safetensors files read and written, a model folder in Hugging Face layout, random
 * weights for tests, and the byte sources a checkpoint is read from (a file, or the chunks an
 * executor fetches one at a time). {@code CheckpointException} names the file and tensor at fault.
 */
package dev.sparkgen.model.weights;
