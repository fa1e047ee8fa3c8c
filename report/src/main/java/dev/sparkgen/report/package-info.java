/**
 * The degeneration report ({@code job/bin/sparkgen report}): continuations of validation prompts under
 * the decoding strategies of Holtzman et al. (2019), generated through the job, and their repetition,
 * diversity and perplexity measures as Markdown, JSON and an XChart PNG. Its own module, so that
 * the job's users get no charting library.
 */
package dev.sparkgen.report;
