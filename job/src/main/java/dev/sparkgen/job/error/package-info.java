/**
 * The job's exceptions, at the bottom so that every layer can throw them: a bad key or value
 * ({@code ConfigException}), a bad input, model or output location found before generation
 * ({@code SetupException}), a bad row under on_error=fail ({@code BadRowException}), and a failed
 * Spark job with what the output location holds afterwards ({@code JobFailedException}). Each
 * message names the key, file, column or row.
 */
package dev.sparkgen.job.error;
