package dev.sparkgen.job.progress;

import dev.sparkgen.job.exec.ProgressCounters;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Sums one run's {@link ProgressCounters} over its tasks as the driver learns of them: a finished
 * task's final counts (its {@code SparkListenerTaskEnd}; a failed attempt counts nothing, its retry
 * counts again), plus each running task's latest counts from its executor's heartbeat ({@code
 * SparkListenerExecutorMetricsUpdate}: Spark sends a running task's accumulators every {@code
 * spark.executor.heartbeatInterval}), so progress moves within a partition. Tasks of other jobs
 * carry other accumulators and are ignored.
 */
public final class ProgressListener extends SparkListener {
  private final long promptsId;
  private final long tokensId;
  private final Map<Long, long[]> running = new ConcurrentHashMap<>(); // task id -> {prompts, tokens} so far
  private final AtomicLong finishedPrompts = new AtomicLong();
  private final AtomicLong finishedTokens = new AtomicLong();

  /** Listens for {@code counters}' accumulators. */
  public ProgressListener(ProgressCounters counters) {
    this(counters.prompts().id(), counters.tokens().id());
  }

  ProgressListener(long promptsId, long tokensId) {
    this.promptsId = promptsId;
    this.tokensId = tokensId;
  }

  /** Prompts finished so far: by finished tasks, and by running tasks as of their last heartbeat. */
  public long prompts() {
    return finishedPrompts.get() + running.values().stream().mapToLong(c -> c[0]).sum();
  }

  /** Generated tokens so far, counted as {@link #prompts}. */
  public long tokens() {
    return finishedTokens.get() + running.values().stream().mapToLong(c -> c[1]).sum();
  }

  @Override
  public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
    for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task
        : CollectionConverters.asJava(update.accumUpdates())) {
      long taskId = (Long) task._1();
      long[] counts = null;
      for (AccumulableInfo info : CollectionConverters.asJava(task._4())) {
        int slot = info.id() == promptsId ? 0 : info.id() == tokensId ? 1 : -1;
        if (slot >= 0 && info.update().isDefined()) {
          if (counts == null) {
            counts = running.computeIfAbsent(taskId, id -> new long[2]);
          }
          counts[slot] = ((Number) info.update().get()).longValue();
        }
      }
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    long taskId = end.taskInfo().taskId();
    if (end.taskInfo().successful()) {
      for (AccumulableInfo info : CollectionConverters.asJava(end.taskInfo().accumulables())) {
        if (info.update().isDefined() && (info.id() == promptsId || info.id() == tokensId)) {
          long value = ((Number) info.update().get()).longValue();
          (info.id() == promptsId ? finishedPrompts : finishedTokens).addAndGet(value);
        }
      }
    }
    running.remove(taskId); // after the final counts are in: prompts() never drops back meanwhile
  }
}
