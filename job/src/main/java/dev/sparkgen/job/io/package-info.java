/**
 * Reading and writing data, kept apart from the transformation so that it stays testable on
 * in-memory Datasets: {@link dev.sparkgen.job.io.PromptReader} (Parquet, JSON, CSV or text, with
 * per-row positions for sampling keys), {@link dev.sparkgen.job.io.ResultWriter} (Parquet with the
 * provenance footer) {@link dev.sparkgen.job.io.Summary} ({@code _summary.json}) and {@link
 * dev.sparkgen.job.io.DryRunReport} (what a dry run measured and projects).
 */
package dev.sparkgen.job.io;
