package dev.sparkgen.job.driver;

import dev.sparkgen.job.config.JobConfig;
import dev.sparkgen.job.error.ConfigException;
import dev.sparkgen.job.error.SetupException;
import dev.sparkgen.job.exec.Batching;
import dev.sparkgen.job.exec.StructuredOutput;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.generate.BatchMemory;
import dev.sparkgen.model.generate.GenerationConfig;
import dev.sparkgen.model.generate.constraint.TokenVocabulary;
import dev.sparkgen.model.json.JsonValueException;
import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.CheckpointException;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.RandomWeights;
import dev.sparkgen.model.weights.WeightsPayload;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The model, tokenizer and generation settings of a run, checked on the driver without Spark: a
 * bad folder, tokenizer or setting fails here, in seconds, with a message naming it. The model
 * part (folder, weights, tokenizer, identity, the folder's own generation settings) can serve
 * other configurations too: {@link #generationFor} resolves and checks another configuration's
 * generation settings against it.
 *
 * @param folder the model folder; null for {@code model=random}
 * @param checkpoint the validated weights (open until {@link #close()})
 * @param tokenizer null when there is none
 * @param modelGeneration the model's own generation settings (Hugging Face's defaults, then the
 *     folder's config.json eos/pad and generation_config.json), before any job key
 * @param generation the settings of the configuration this model was resolved with: {@code
 *     generationFor(cfg)}
 * @param files the folder's files as they were when the checkpoint was opened, unchanged until its
 *     sha256 was computed (checked); null for {@code model=random}
 */
public record ResolvedModel(Path folder, Checkpoint checkpoint, TokenizerFile tokenizer,
    GenerationConfig modelGeneration, GenerationConfig generation, ModelIdentity identity, ModelFiles files)
    implements AutoCloseable {

  /** The random model's shape (GPT-2 family): small, so the demo runs in seconds. */
  static final int RANDOM_HIDDEN = 16;
  static final int RANDOM_HEADS = 4;
  static final int RANDOM_LAYERS = 2;
  static final int RANDOM_FFN = 32;
  static final int RANDOM_POSITIONS = 128;
  static final int RANDOM_VOCAB_WITHOUT_TOKENIZER = 20;

  /** Resolves {@code cfg}'s model, tokenizer and generation settings. */
  public static ResolvedModel resolve(JobConfig cfg) {
    Path folder = cfg.randomModel() ? null : Path.of(cfg.model());
    ChatTemplateName.check(cfg.chat(), folder);
    TokenizerFile tokenizer = null;
    if (!cfg.tokenizer().isEmpty()) {
      tokenizer = TokenizerFile.load(Path.of(cfg.tokenizer()));
    } else if (folder != null && Files.isRegularFile(folder.resolve("tokenizer.json"))) {
      tokenizer = TokenizerFile.load(folder.resolve("tokenizer.json"));
    }
    if (folder == null) {
      int vocab = tokenizer != null ? tokenizer.vocabSize() : RANDOM_VOCAB_WITHOUT_TOKENIZER;
      // eos = bos = the last id, as in GPT-2 (<|endoftext|> = 50256 = vocab - 1).
      ModelConfig config = new ModelConfig(ModelFamily.GPT2, vocab, RANDOM_HIDDEN, RANDOM_LAYERS, RANDOM_HEADS,
          RANDOM_HEADS, RANDOM_HIDDEN / RANDOM_HEADS, RANDOM_FFN, RANDOM_POSITIONS, 1e-5, 0, true, true, true,
          vocab - 1, List.of(vocab - 1)).validate("model=random");
      GenerationConfig base = GenerationConfig.defaults().toBuilder().eosTokenId(List.of(vocab - 1)).build();
      long seed = cfg.generationOver(base).seed();
      Checkpoint ckpt = RandomWeights.create(config, seed);
      return checked(cfg, null, ckpt, tokenizer, base, "random (seed " + seed + ")", null);
    }
    Checkpoint ckpt;
    ModelFiles files;
    try {
      files = ModelFiles.of(folder); // stamped before opening: the sha256 below is of these files
      ckpt = HfFolder.open(folder);
    } catch (CheckpointException e) {
      throw new SetupException("model " + folder + ": " + e.getMessage(), e);
    }
    try {
      GenerationConfig base = GenerationConfig.forModel(folder);
      return checked(cfg, folder, ckpt, tokenizer, base, folder.toAbsolutePath().normalize().toString(), files);
    } catch (JsonValueException e) { // generation_config.json or config.json's eos/pad ids
      closeQuietly(ckpt);
      throw new SetupException("model " + folder + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(ckpt);
      throw e;
    }
  }

  private static ResolvedModel checked(JobConfig cfg, Path folder, Checkpoint ckpt, TokenizerFile tok,
      GenerationConfig base, String source, ModelFiles files) {
    GenerationConfig gen = generationFor(cfg, ckpt.config(), tok, base);
    // Only the digest: a broadcast streams the image chunk by chunk when the run ships it (GenerationRun),
    // so the driver never holds the whole image.
    ModelConfig c = ckpt.config();
    ModelIdentity id = new ModelIdentity(sha256(ckpt), c.family().modelType(), c.parameterCount(), source);
    if (files != null) {
      files.checkUnchanged("computed the model's sha256");
    }
    return new ResolvedModel(folder, ckpt, tok, base, gen, id, files);
  }

  /**
   * {@code cfg}'s generation keys over this model's own settings, checked against the model: eos and
   * pad ids inside the vocabulary, the batch's memory within max_batch_memory, a response format
   * that the tokenizer and eos allow.
   *
   * @throws ConfigException or {@link SetupException} naming the key and value
   */
  public GenerationConfig generationFor(JobConfig cfg) {
    return generationFor(cfg, checkpoint.config(), tokenizer, modelGeneration);
  }

  private static GenerationConfig generationFor(JobConfig cfg, ModelConfig c, TokenizerFile tok, GenerationConfig base) {
    GenerationConfig gen = cfg.generationOver(base);
    int vocab = c.vocabSize();
    for (Integer eos : gen.eosTokenId()) {
      if (eos < 0 || eos >= vocab) {
        throw new ConfigException("eos_token_id=" + eos + ": outside the model's vocabulary [0, " + vocab + ")");
      }
    }
    if (gen.padTokenId() != null && (gen.padTokenId() < 0 || gen.padTokenId() >= vocab)) {
      throw new ConfigException("pad_token_id=" + gen.padTokenId() + ": outside the model's vocabulary [0, " + vocab + ")");
    }
    checkBatchMemory(cfg, c, gen);
    checkStructuredOutput(cfg, tok, gen);
    return gen;
  }

  /**
   * Refuses settings where not even one prompt's rows fit max_batch_memory with a 1-token prompt
   * (see {@link BatchMemory}); otherwise each partition sizes its batches from its own prompts.
   */
  static void checkBatchMemory(JobConfig cfg, ModelConfig c, GenerationConfig gen) {
    Batching batching = cfg.batching();
    if (batching.rows(c, gen, 1) == 0) {
      BatchMemory one = batching.memory(c, gen, 1, 1);
      throw new ConfigException("max_batch_memory=" + BatchMemory.size(cfg.maxBatchMemory()) + ": even one prompt's"
          + " rows may need " + one.describe() + " with this model (" + c.numLayers() + " layers, " + c.numKvHeads()
          + " KV heads x " + c.headDim() + ", context " + c.maxPositions() + ", vocabulary " + c.vocabSize()
          + "), a 1-token prompt and max_new_tokens=" + gen.maxNewTokens() + "; lower max_new_tokens, or raise"
          + " max_batch_memory if the executors have the memory");
    }
  }

  /**
   * A response format needs a tokenizer whose decoder the constraint can follow and an eos to end
   * rows; the job's format is compiled here, so a refused schema stops the run before Spark starts.
   */
  static void checkStructuredOutput(JobConfig cfg, TokenizerFile tok, GenerationConfig gen) {
    StructuredOutput so = cfg.structuredOutput();
    if (!so.active()) {
      return;
    }
    String key = so.format().isEmpty() ? "response_format_column" : "response_format";
    if (tok == null) {
      throw new ConfigException(key + " needs a tokenizer (formats constrain the decoded text): set tokenizer=PATH or"
          + " put tokenizer.json in the model folder");
    }
    if (gen.eosTokenId().isEmpty()) {
      throw new ConfigException(key + " needs an eos_token_id: a row with a format ends with eos once its text is"
          + " complete");
    }
    TokenVocabulary vocabulary;
    try {
      vocabulary = TokenVocabulary.load(tok.path());
    } catch (IllegalArgumentException e) {
      throw new SetupException(key + ": " + e.getMessage(), e);
    }
    so.check(vocabulary);
  }

  /**
   * Why the tokenizer looks like another model's, or null: its ids reach past the model's vocabulary
   * (vocabSize of tokenizer.json larger than config.json's {@code vocab_size}). Such a pair is not
   * refused (a text whose tokens stay inside the vocabulary generates; the others become error rows,
   * see job/README.md), but it is nearly always a wrong {@code tokenizer} setting, so the command line
   * warns before any work.
   */
  public String tokenizerMismatch() {
    int vocab = checkpoint.config().vocabSize();
    if (tokenizer == null || tokenizer.vocabSize() <= vocab) {
      return null;
    }
    return "the tokenizer " + tokenizer.path() + " has ids up to " + (tokenizer.vocabSize() - 1) + ", but the model "
        + (folder == null ? "random" : folder.toString()) + " has a vocabulary of " + vocab + " (config.json vocab_size):"
        + " is it this model's tokenizer? Prompts with tokens outside [0, " + vocab + ") become error rows";
  }

  /** sha256 of the canonical float32 safetensors image, the same bytes a broadcast payload carries. */
  static String sha256(Checkpoint ckpt) {
    return WeightsPayload.stream(ckpt, OutputStream.nullOutputStream());
  }

  /**
   * The model folder executors read (weights_distribution=files) or the driver serves
   * (file_server), as an absolute path; random weights are first saved, as float32, to a temporary
   * folder (deleted when the JVM exits; for files, visible to executors on this machine only).
   */
  public Path sharedFolder() {
    if (folder != null) {
      return folder.toAbsolutePath().normalize();
    }
    try {
      Path dir = Files.createTempDirectory("sparkgen-random-");
      HfFolder.save(checkpoint, dir);
      dir.toFile().deleteOnExit(); // deleted last: deleteOnExit runs in reverse order
      for (String f : List.of(HfFolder.CONFIG, HfFolder.WEIGHTS)) {
        dir.resolve(f).toFile().deleteOnExit();
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    closeQuietly(checkpoint);
  }

  private static void closeQuietly(Checkpoint c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // read-only files; nothing to recover
    }
  }
}
