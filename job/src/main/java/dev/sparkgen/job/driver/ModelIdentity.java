package dev.sparkgen.job.driver;

import java.io.Serializable;

/**
 * What identifies the model that produced a result.
 *
 * @param sha256 sha256 of the weights' canonical float32 safetensors image (as broadcast)
 * @param source the model folder, or "random (seed N)"
 */
public record ModelIdentity(String sha256, String family, long parameters, String source) implements Serializable {}
