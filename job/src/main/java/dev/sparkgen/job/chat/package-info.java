/**
 * Instruct models in the job: the chat settings ({@link dev.sparkgen.job.chat.ChatSettings}), the
 * template resolved on the driver ({@link dev.sparkgen.job.chat.ChatSetup}), and per row on the
 * executors the conversation read from the input, rendered and tokenised
 * ({@link dev.sparkgen.job.chat.ChatPrompts}), and the generated text split into reasoning and
 * answer. The rendering itself is {@code dev.sparkgen.model.chat}'s.
 */
package dev.sparkgen.job.chat;
