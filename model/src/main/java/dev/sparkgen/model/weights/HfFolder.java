package dev.sparkgen.model.weights;

import com.google.gson.GsonBuilder;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.config.ModelFamily;
import dev.sparkgen.model.json.JsonFields;
import dev.sparkgen.model.json.JsonFile;
import dev.sparkgen.model.json.JsonValueException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Hugging Face model folder: {@code config.json} plus {@code model.safetensors}, or a sharded
 * {@code model.safetensors.index.json} with its shards. Only safetensors are read: pickle weights
 * can run code when loaded.
 */
public final class HfFolder {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";

  private HfFolder() {}

  /** Reads and validates {@code config.json}. */
  public static ModelConfig readConfig(Path dir) {
    Path file = dir.resolve(CONFIG);
    if (!Files.isDirectory(dir)) {
      throw new CheckpointException(dir + ": model folder does not exist");
    }
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException(file + ": missing config.json in model folder " + dir);
    }
    return ModelFamily.parse(readJson(file));
  }

  /**
   * The files {@link #open} reads, all directly in {@code dir}: {@code config.json}, then {@code
   * model.safetensors}, or {@code model.safetensors.index.json} and its shards (each once, in the
   * index's order). A copy of these files in another folder opens as the same checkpoint; this is
   * what a job ships to executors that cannot see {@code dir}.
   *
   * @throws CheckpointException as {@link #open} would for a missing config, index, shard or weights
   */
  public static List<Path> files(Path dir) {
    readConfig(dir);
    List<Path> out = new ArrayList<>(List.of(dir.resolve(CONFIG)));
    if (!Files.isRegularFile(dir.resolve(WEIGHTS)) && Files.isRegularFile(dir.resolve(INDEX))) {
      out.add(dir.resolve(INDEX));
    }
    out.addAll(weightFiles(dir));
    return List.copyOf(out);
  }

  /** Opens the folder's weights; the checkpoint keeps the files open until closed. */
  public static Checkpoint open(Path dir) {
    ModelConfig config = readConfig(dir);
    List<SafetensorsFile> files = new ArrayList<>();
    try {
      for (Path file : weightFiles(dir)) {
        files.add(SafetensorsFile.open(new FileByteSource(file)));
      }
      Map<String, WeightSource> found = new LinkedHashMap<>();
      for (SafetensorsFile f : files) {
        for (TensorInfo t : f.tensors().values()) {
          String canonical = config.family().canonicalName(t.name());
          if (canonical != null) {
            found.put(canonical, WeightSource.of(f, t));
          }
        }
      }
      String where = files.size() == 1 ? files.get(0).name() : dir.toString();
      return new Checkpoint(config, found, where, files);
    } catch (IOException e) {
      closeAll(files);
      throw new CheckpointException(dir + ": cannot read weights: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeAll(files);
      throw e;
    }
  }

  /** model.safetensors, else the index's shards (all present), else a refusal naming what was found. */
  private static List<Path> weightFiles(Path dir) {
    Path single = dir.resolve(WEIGHTS);
    Path index = dir.resolve(INDEX);
    if (Files.isRegularFile(single)) {
      return List.of(single);
    }
    if (!Files.isRegularFile(index)) {
      throw new CheckpointException(noWeightsMessage(dir));
    }
    List<Path> shards = shards(index);
    for (Path shard : shards) {
      if (!Files.isRegularFile(shard)) {
        throw new CheckpointException(index + ": shard " + shard.getFileName() + " is missing");
      }
    }
    return shards;
  }

  private static String noWeightsMessage(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      List<String> pickles = s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".ckpt"))
          .sorted().toList();
      if (!pickles.isEmpty()) {
        return dir + ": only pickle weights found " + pickles + "; sparkgen reads safetensors only, because"
            + " loading a pickle can run arbitrary code. Convert the checkpoint to model.safetensors.";
      }
    } catch (IOException ignored) {
      // fall through to the generic message
    }
    return dir + ": no weights found (expected " + WEIGHTS + " or " + INDEX + ")";
  }

  private static List<Path> shards(Path index) {
    JsonFields map = readJson(index).optionalObject("weight_map");
    if (map == null) {
      throw new CheckpointException(index + ": missing object 'weight_map'");
    }
    List<Path> out = new ArrayList<>();
    for (String tensor : map.keys()) {
      String name;
      try {
        name = map.string(tensor);
      } catch (JsonValueException e) {
        throw new CheckpointException(e.getMessage(), e);
      }
      Path shard = index.getParent().resolve(name).normalize();
      if (!shard.getParent().equals(index.getParent().normalize())) {
        throw new CheckpointException(index + ": shard '" + name + "' for tensor '" + tensor + "' is outside the model folder");
      }
      if (!out.contains(shard)) {
        out.add(shard);
      }
    }
    return out;
  }

  /** A small JSON file of the folder (config, index): at most 16 MiB, checked by {@link JsonFile}. */
  private static JsonFields readJson(Path file) {
    try {
      return JsonFile.readObject(file, 16L << 20);
    } catch (JsonValueException e) {
      throw new CheckpointException(e.getMessage(), e);
    }
  }

  /** Writes {@code config.json} and a float32 {@code model.safetensors} into {@code dir}. */
  public static void save(Checkpoint checkpoint, Path dir) throws IOException {
    Files.createDirectories(dir);
    writeConfig(checkpoint.config(), dir);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dir.resolve(WEIGHTS)), 1 << 20)) {
      SafetensorsWriter.write(fileNamed(checkpoint), out);
    }
  }

  /** Writes {@code config.json} alone. */
  public static void writeConfig(ModelConfig config, Path dir) throws IOException {
    String json = new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(ModelFamily.toJson(config));
    Files.writeString(dir.resolve(CONFIG), json + "\n", StandardCharsets.UTF_8);
  }

  /** The checkpoint's tensors under the names they carry in Hugging Face files. */
  static Map<String, WeightSource> fileNamed(Checkpoint checkpoint) {
    Map<String, WeightSource> out = new LinkedHashMap<>();
    checkpoint.tensors().forEach((k, v) -> out.put(checkpoint.config().family().fileName(k), v));
    return out;
  }

  private static void closeAll(List<SafetensorsFile> files) {
    for (SafetensorsFile f : files) {
      try {
        f.close();
      } catch (IOException ignored) {
        // already failing; the first error is the one to report
      }
    }
  }
}
