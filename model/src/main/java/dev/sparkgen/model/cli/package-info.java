/**
 * The command-line option reader that every sparkgen program shares ({@code --key=value} and
 * {@code --key value}); here, in the lowest module, so the trainer, the job and the report read
 * options the same way.
 */
package dev.sparkgen.model.cli;
