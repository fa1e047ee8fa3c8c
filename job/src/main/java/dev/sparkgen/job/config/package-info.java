/**
 * Configuration, validated at the edge: every key declared once in {@link
 * dev.sparkgen.job.config.Keys} (name, default, help, parser), precedence (defaults &lt; conf file
 * &lt; command line) decided once in {@link dev.sparkgen.job.config.Settings}, "did you mean" for
 * unknown keys, and the immutable {@link dev.sparkgen.job.config.JobConfig} the rest of the job reads.
 */
package dev.sparkgen.job.config;
