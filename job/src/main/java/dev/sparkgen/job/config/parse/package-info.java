/**
 * The value parsers every group of settings uses ({@link dev.sparkgen.job.config.parse.ValueParsers}:
 * true/false, a choice of an enum, non-empty text, integers, seconds, sizes), each error naming the
 * key and the value. Below {@code config/} and the packages whose settings records read their own
 * keys ({@code chat/}), so that all of them can use one reader; it imports only {@code error/}.
 */
package dev.sparkgen.job.config.parse;
