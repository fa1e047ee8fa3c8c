package dev.sparkgen.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.sparkgen.model.TinyModels.Named;
import dev.sparkgen.model.config.ModelConfig;
import dev.sparkgen.model.weights.Checkpoint;
import dev.sparkgen.model.weights.HfFolder;
import dev.sparkgen.model.weights.SafetensorsWriter;
import dev.sparkgen.model.weights.WeightSource;
import dev.sparkgen.model.weights.WeightsPayload;
import dev.sparkgen.model.weights.ChunkedOutputStream;
import dev.sparkgen.model.weights.FetchedChunkSource;
import java.io.ByteArrayInputStream;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Saving, sharding and broadcasting a checkpoint loses nothing: bit-exact weights, identical logits. */
class CheckpointRoundTripTest {
  @TempDir Path dir;

  static List<Named> models() {
    return TinyModels.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void saveThenReloadGivesIdenticalWeightsAndLogits(Named m) throws IOException {
    Checkpoint ckpt = TinyModels.checkpoint(m.config(), 21);
    HfFolder.save(ckpt, dir);
    assertEquals(m.config(), HfFolder.readConfig(dir));
    try (Checkpoint back = HfFolder.open(dir)) {
      assertSameWeights(ckpt, back);
    }
    try (CausalLm original = CausalLm.of(ckpt); CausalLm reloaded = CausalLm.load(dir)) {
      assertSameLogits(original, reloaded);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void chunkedPayloadRebuildsAnIdenticalModel(Named m) throws Exception {
    Checkpoint ckpt = TinyModels.checkpoint(m.config(), 22);
    WeightsPayload payload = WeightsPayload.of(ckpt, 1000);
    assertTrue(payload.chunks().size() > 2, "small chunks: " + payload.chunks().size());
    for (byte[] c : payload.chunks()) {
      assertTrue(c.length <= 1000);
    }
    WeightsPayload copy = javaRoundTrip(payload);
    assertEquals(payload.sha256(), copy.sha256());
    try (Checkpoint back = copy.open()) {
      assertEquals(m.config(), back.config());
      assertSameWeights(ckpt, back);
      try (CausalLm original = CausalLm.of(ckpt); CausalLm rebuilt = CausalLm.of(back)) {
        assertSameLogits(original, rebuilt);
      }
    }
    // The hash names the weights image, whatever the chunking: it equals the sha256 of the saved file.
    assertEquals(payload.sha256(), WeightsPayload.of(ckpt).sha256());
    HfFolder.save(ckpt, dir);
    assertEquals(payload.sha256(), sha256(Files.readAllBytes(dir.resolve(HfFolder.WEIGHTS))));
    assertNotEquals(payload.sha256(), WeightsPayload.of(TinyModels.checkpoint(m.config(), 23), 1000).sha256());
  }

  /**
   * The executor's broadcast path: chunks streamed out one at a time, fetched back on demand. The
   * loader reads the image front to back, so each chunk is fetched once, at most two are held, all
   * are released, and once loaded the model holds none of them (weak references cleared by GC while
   * the model is alive): no heap copy of the weights beside the native tensors.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void streamedChunksBuildTheModelFetchingEachChunkOnceAndHoldingNone(Named m) throws Exception {
    Checkpoint ckpt = TinyModels.checkpoint(m.config(), 25);
    List<byte[]> remote = new ArrayList<>(); // what the driver serves
    ChunkedOutputStream out = new ChunkedOutputStream(4000, remote::add); // a decoder layer spans a few chunks
    String sha = WeightsPayload.stream(ckpt, out);
    assertEquals(WeightsPayload.of(ckpt, 1000).sha256(), sha);
    assertEquals(remote.size(), out.count());
    assertTrue(remote.size() > 2, "small chunks: " + remote.size());
    long bytes = remote.stream().mapToLong(c -> c.length).sum();
    List<WeakReference<byte[]>> fetched = new ArrayList<>();
    Set<Integer> held = new HashSet<>();
    int[] maxHeld = {0};
    List<Integer> released = new ArrayList<>();
    FetchedChunkSource source = new FetchedChunkSource("test image", 4000, bytes, i -> {

      byte[] copy = remote.get(i).clone(); // a fetch deserialises a fresh array
      fetched.add(new WeakReference<>(copy));
      held.add(i);
      maxHeld[0] = Math.max(maxHeld[0], held.size());
      return copy;
    }, i -> {
      held.remove(i);
      released.add(i);
    }, 4);
    try (CausalLm original = CausalLm.of(ckpt)) {
      CausalLm rebuilt;
      try (Checkpoint back = WeightsPayload.open(WeightsPayload.configJson(ckpt), sha, source)) {
        rebuilt = CausalLm.of(back);
      }
      try (rebuilt) {
        assertEquals(remote.size(), source.fetches(), "each chunk fetched once (front to back)");
        assertTrue(maxHeld[0] <= 4, "held at most 4 chunks, held " + maxHeld[0]);
        assertEquals(remote.size(), released.size(), "every chunk released: " + released);
        assertTrue(held.isEmpty(), "still held: " + held);
        for (int attempt = 0; attempt < 20 && fetched.stream().anyMatch(r -> r.get() != null); attempt++) {
          System.gc();
          Thread.sleep(20);
        }
        assertEquals(0, fetched.stream().filter(r -> r.get() != null).count(),
            "fetched chunks still reachable after loading");
        assertSameLogits(original, rebuilt);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void shardedCheckpointLoadsWithIdenticalLogits(Named m) throws IOException {
    Checkpoint ckpt = TinyModels.checkpoint(m.config(), 24);
    writeTwoShards(ckpt, dir);
    assertTrue(Files.notExists(dir.resolve(HfFolder.WEIGHTS)));
    try (Checkpoint back = HfFolder.open(dir)) {
      assertSameWeights(ckpt, back);
    }
    try (CausalLm original = CausalLm.of(ckpt); CausalLm sharded = CausalLm.load(dir)) {
      assertSameLogits(original, sharded);
    }
  }

  /**
   * HfFolder.files lists exactly what open reads (config, index, shards in the index's order; not
   * the other files of the folder), and a copy of those files alone opens as the same checkpoint.
   */
  @org.junit.jupiter.api.Test
  void theFilesThatOpenReadsCopiedElsewhereOpenAsTheSameCheckpoint() throws IOException {
    Checkpoint ckpt = TinyModels.checkpoint(TinyModels.all().get(0).config(), 25);
    Path single = dir.resolve("single");
    HfFolder.save(ckpt, single);
    Files.writeString(single.resolve("README.md"), "not read");
    assertEquals(List.of(single.resolve(HfFolder.CONFIG), single.resolve(HfFolder.WEIGHTS)), HfFolder.files(single));
    Path sharded = dir.resolve("sharded");
    Files.createDirectories(sharded);
    writeTwoShards(ckpt, sharded);
    assertEquals(List.of(sharded.resolve(HfFolder.CONFIG), sharded.resolve(HfFolder.INDEX),
        sharded.resolve(shardName(0)), sharded.resolve(shardName(1))), HfFolder.files(sharded));
    for (Path folder : List.of(single, sharded)) {
      Path copy = dir.resolve("copy-of-" + folder.getFileName());
      Files.createDirectories(copy);
      for (Path f : HfFolder.files(folder)) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
      try (Checkpoint back = HfFolder.open(copy)) {
        assertSameWeights(ckpt, back);
      }
    }
    Files.delete(sharded.resolve(shardName(1)));
    String message = org.junit.jupiter.api.Assertions.assertThrows(dev.sparkgen.model.weights.CheckpointException.class,
        () -> HfFolder.files(sharded)).getMessage();
    assertTrue(message.contains("shard " + shardName(1) + " is missing"), message);
  }

  /** Writes config.json, two shards (tensors alternating between them) and the index, as HF does. */
  static void writeTwoShards(Checkpoint ckpt, Path dir) throws IOException {
    ModelConfig c = ckpt.config();
    HfFolder.writeConfig(c, dir);
    List<Map<String, WeightSource>> shards = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
    JsonObject weightMap = new JsonObject();
    int i = 0;
    for (Map.Entry<String, WeightSource> e : ckpt.tensors().entrySet()) {
      String fileName = c.family().fileName(e.getKey());
      int shard = i++ % 2;
      shards.get(shard).put(fileName, e.getValue());
      weightMap.addProperty(fileName, shardName(shard));
    }
    for (int s = 0; s < 2; s++) {
      try (OutputStream out = Files.newOutputStream(dir.resolve(shardName(s)))) {
        SafetensorsWriter.write(shards.get(s), out);
      }
    }
    JsonObject index = new JsonObject();
    JsonObject meta = new JsonObject();
    meta.addProperty("total_size", c.parameterCount() * 4);
    index.add("metadata", meta);
    index.add("weight_map", weightMap);
    Files.writeString(dir.resolve(HfFolder.INDEX), index.toString());
  }

  private static String shardName(int s) {
    return String.format("model-%05d-of-00002.safetensors", s + 1);
  }

  static void assertSameWeights(Checkpoint want, Checkpoint got) {
    assertEquals(want.tensors().keySet(), got.tensors().keySet());
    want.tensors().forEach((name, w) -> {
      assertArrayEquals(w.shape(), got.tensor(name).shape(), name);
      float[] a = TinyModels.floats(w);
      float[] b = TinyModels.floats(got.tensor(name));
      for (int i = 0; i < a.length; i++) {
        if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
          throw new AssertionError(name + " element " + i + ": " + a[i] + " came back as " + b[i]);
        }
      }
    });
  }

  static void assertSameLogits(CausalLm want, CausalLm got) {
    int[] prompt = TinyModels.tokens(new SplittableRandom(5), 7, want.vocabSize());
    float[][] a = want.allLogits(prompt);
    float[][] b = got.allLogits(prompt);
    for (int t = 0; t < a.length; t++) {
      assertArrayEquals(a[t], b[t], 0f, "position " + t);
    }
  }

  private static WeightsPayload javaRoundTrip(WeightsPayload p) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(p);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (WeightsPayload) in.readObject();
    }
  }

  private static String sha256(byte[] data) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
