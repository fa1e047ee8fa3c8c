package dev.sparkgen.model.generate;

/**
 * One returned sequence.
 *
 * @param sampleIndex 0..num_return_sequences-1 (beam search: rank, best first)
 * @param tokenIds generated ids only (not the prompt), including the eos when one was hit
 * @param text the continuation's text as Hugging Face's text-generation pipeline gives it with
 *     {@code return_full_text=False}: decode(prompt + tokenIds) minus the decoded prompt (special tokens
 *     skipped), cut before a stop string; null without a tokenizer
 * @param cumulativeLogprob sum of the raw log_softmax of each chosen token
 * @param tokenLogprobs per-token raw log-probabilities when {@code output_logprobs}, else null
 * @param score beam search's normalised score ({@code sum_logprobs / len^length_penalty}), else null
 */
public record Sequence(
    int sampleIndex,
    int[] tokenIds,
    String text,
    FinishReason finishReason,
    double cumulativeLogprob,
    float[] tokenLogprobs,
    Double score) {}
