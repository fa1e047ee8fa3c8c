/**
 * Reading JSON files that people and tools write by hand or by script ({@code config.json},
 * {@code generation_config.json}, {@code tokenizer.json}, index files), with every value checked.
 *
 * <p>{@link dev.sparkgen.model.json.JsonFile} parses a file (size and nesting bounded, strict JSON)
 * into a {@link dev.sparkgen.model.json.JsonFields} view; each accessor checks the value's JSON type
 * and range and fails with a {@link dev.sparkgen.model.json.JsonValueException} whose message is
 * one line naming the file and the key path ({@code rope_scaling.factor}), never a parser's class
 * name or a library's troubleshooting link. Integers are checked exactly (no silent rounding of
 * {@code 2.5} or {@code 1e30}); sizes derived from them are the caller's to compute in 64-bit
 * arithmetic.
 */
package dev.sparkgen.model.json;
