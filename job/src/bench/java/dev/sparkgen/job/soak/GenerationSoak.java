package dev.sparkgen.job.soak;

import dev.sparkgen.job.GenerationRun;
import dev.sparkgen.job.config.JobConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Soak run, not a unit test: generates for N text prompts (default 10,000) in one executor
 * ({@code local[1]}: the driver JVM runs the only task slot, one partition) with the demo model and
 * prints the process's resident memory (VmRSS from /proc/self/status) at the start, after a
 * warm-up run, every few seconds, and at the end, with the growth after warm-up. Run it with a
 * fixed, pre-touched heap so that heap growth does not show up as resident memory:
 *
 * <pre>{@code
 * mvn -o -q -B -pl job -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/jobcp.txt -Dmdep.includeScope=test
 * java -Xms1g -Xmx1g -XX:+AlwaysPreTouch $(sed -n 's|.*<spark.opens>\(.*\)</spark.opens>.*|\1|p' pom.xml) \
 *   -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch -Dai.djl.pytorch.num_threads=1 \
 *   -cp job/target/test-classes:job/target/classes:$(cat /tmp/jobcp.txt) \
 *   dev.sparkgen.job.soak.GenerationSoak [prompts=10000] [max_new_tokens=16] [warmup=500]
 * }</pre>
 *
 * With {@code -XX:NativeMemoryTracking=summary} it also prints the JVM's own native memory growth
 * after warm-up (what is not there is libtorch's or the C allocator's).
 */
public final class GenerationSoak {
  private static final long START = System.nanoTime();

  private GenerationSoak() {}

  public static void main(String[] args) throws Exception {
    int prompts = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int maxNew = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 500;
    report("start");
    SparkSession spark = SparkSession.builder().master("local[1]").appName("sparkgen-soak")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    JobConfig cfg = JobConfig.of(Map.of("model", Path.of("model/demo/fortunes-gpt2").toAbsolutePath().toString(),
        "max_new_tokens", Integer.toString(maxNew), "do_sample", "true", "temperature", "0.8", "top_p", "0.95",
        "seed", "1", "batch_size", "8", "partitions", "1"));
    List<String> texts = demoPrompts();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rss-sampler");
      t.setDaemon(true);
      return t;
    });
    try (GenerationRun run = GenerationRun.prepare(spark, cfg)) {
      long t0 = System.nanoTime();
      generate(spark, run, texts, 0, warmup);
      System.gc();
      long afterWarmup = report(String.format(Locale.ROOT, "after warm-up (%d prompts, %.1f s)", warmup,
          (System.nanoTime() - t0) / 1e9));
      nativeMemory("baseline");
      sampler.scheduleAtFixedRate(() -> report("running"), 10, 10, TimeUnit.SECONDS);
      t0 = System.nanoTime();
      long rows = generate(spark, run, texts, warmup, prompts);
      double seconds = (System.nanoTime() - t0) / 1e9;
      sampler.shutdownNow();
      System.gc();
      long end = report(String.format(Locale.ROOT, "end (%d prompts -> %d rows in %.1f s, %.1f prompts/s)", prompts,
          rows, seconds, prompts / seconds));
      System.out.printf(Locale.ROOT, "soak: resident memory after warm-up %d MiB, at the end %d MiB: growth %+.1f %%%n",
          afterWarmup >> 10, end >> 10, 100.0 * (end - afterWarmup) / afterWarmup);
      System.out.println(nativeMemory("summary.diff"));
    } finally {
      spark.stop();
    }
  }

  /** Generates for prompts [from, from + n) in one partition; returns the rows written (to Spark's noop sink). */
  private static long generate(SparkSession spark, GenerationRun run, List<String> texts, int from, int n) {
    List<Row> rows = new ArrayList<>(n);
    for (int i = from; i < from + n; i++) {
      rows.add(RowFactory.create((long) i, texts.get(i % texts.size()) + " " + (i / texts.size())));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);
    Dataset<Row> results = run.apply(spark.createDataFrame(rows, schema).coalesce(1));
    results.write().format("noop").mode("overwrite").save();
    return n;
  }

  private static List<String> demoPrompts() throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("conf/demo/prompts.jsonl"))) {
      int at = line.indexOf("\"prompt\": \"");
      if (at >= 0) {
        out.add(line.substring(at + 11, line.lastIndexOf('"')));
      }
    }
    return out;
  }

  /**
   * The JVM's own native memory (jcmd VM.native_memory), to tell JVM growth from libtorch's: empty
   * unless the JVM runs with -XX:NativeMemoryTracking=summary.
   */
  private static String nativeMemory(String command) {
    try {
      return (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
          new Object[] {new String[] {command}}, new String[] {String[].class.getName()});
    } catch (javax.management.JMException e) {
      return "";
    }
  }

  /** Prints VmRSS (KiB) and the heap; returns VmRSS in KiB. */
  private static long report(String when) {
    long rss = vmRssKib();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    System.out.printf(Locale.ROOT, "soak %7.1f s  %-60s VmRSS %6d MiB  heap used %5d MiB / committed %5d MiB%n",
        (System.nanoTime() - START) / 1e9, when, rss >> 10, heap.getUsed() >> 20, heap.getCommitted() >> 20);
    return rss;
  }

  private static long vmRssKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status (Linux only)", e);
    }
    return -1;
  }
}
