package dev.sparkgen.job.exec;

import java.io.Serializable;
import org.apache.spark.broadcast.Broadcast;

/** A tokenizer.json broadcast as bytes; {@code sha256} of the bytes is its cache key. */
public record TokenizerSource(Broadcast<byte[]> json, String sha256) implements Serializable {}
