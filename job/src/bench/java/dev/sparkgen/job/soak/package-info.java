/**
 * The soak run, a program and not a test: {@code GenerationSoak} generates for many prompts in one
 * executor and prints the resident memory as it goes, to show native memory stays flat (results in
 * {@code job/README.md}, "Resources"). Compiled with the tests from {@code src/bench/java}.
 */
package dev.sparkgen.job.soak;
