/**
 * The Jlama comparison (built only with {@code -Pjlama}): Jlama generating the benchmark's prompts
 * one at a time on the same checkpoint, for the end-to-end speed ratio in the benchmark README.
 */
package dev.sparkgen.benchjlama;
