package dev.sparkgen.job.exec;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * A testing hook, off by default (key {@code fault}): makes the tasks of chosen partitions fail, so
 * that Spark's task retries, executor loss and the write's commit protocol can be exercised. It
 * fires once a task has handed its first row to the writer (the attempt's file then holds data), or
 * at the end of a partition that yields no rows.
 *
 * <p>Text form: {@code fail_first_attempt:0,2} (attempt 0 of stage attempt 0 of partitions 0 and 2
 * throws), {@code fail_every_attempt:1} (every attempt throws: the job fails), {@code kill_executor:1}
 * (the first attempt halts its executor JVM; in local mode, where the executor is the driver, it
 * throws instead). Empty = off.
 */
public record FaultHook(Kind kind, Set<Integer> partitions) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The exit status of an executor JVM halted by {@link Kind#KILL_EXECUTOR} (as if killed by SIGKILL). */
  public static final int HALT_STATUS = 137;

  /** The hook that never fires. */
  public static final FaultHook OFF = new FaultHook(Kind.OFF, Set.of());

  /** What the hook does. */
  public enum Kind { OFF, FAIL_FIRST_ATTEMPT, FAIL_EVERY_ATTEMPT, KILL_EXECUTOR }

  public FaultHook {
    partitions = Set.copyOf(partitions);
  }

  /** Parses the text form; throws IllegalArgumentException naming what is wrong. */
  public static FaultHook parse(String text) {
    String t = text.trim();
    if (t.isEmpty()) {
      return OFF;
    }
    int colon = t.indexOf(':');
    String name = (colon < 0 ? t : t.substring(0, colon)).trim().toUpperCase(Locale.ROOT);
    Kind kind = Arrays.stream(Kind.values()).filter(k -> k != Kind.OFF && k.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("must be fail_first_attempt:P,.., fail_every_attempt:P,.. or"
            + " kill_executor:P (P = partition numbers)"));
    Set<Integer> parts = new TreeSet<>();
    for (String p : colon < 0 ? List.<String>of() : List.of(t.substring(colon + 1).split(","))) {
      try {
        int n = Integer.parseInt(p.trim());
        if (n < 0) {
          throw new NumberFormatException();
        }
        parts.add(n);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + p.trim() + "' is not a partition number");
      }
    }
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("name at least one partition, e.g. " + name.toLowerCase(Locale.ROOT) + ":0");
    }
    return new FaultHook(kind, parts);
  }

  /** Fires if this task is one of the chosen ones; {@code task} may be null (outside Spark: never fires). */
  public void fire(TaskContext task) {
    if (kind == Kind.OFF || task == null || !partitions.contains(task.partitionId())) {
      return;
    }
    boolean first = task.attemptNumber() == 0 && task.stageAttemptNumber() == 0;
    String where = "partition " + task.partitionId() + ", stage attempt " + task.stageAttemptNumber() + ", task attempt "
        + task.attemptNumber();
    switch (kind) {
      case FAIL_EVERY_ATTEMPT -> throw new InjectedFault("injected fault (fault=fail_every_attempt): " + where);
      case FAIL_FIRST_ATTEMPT -> {
        if (first) {
          throw new InjectedFault("injected fault (fault=fail_first_attempt): " + where);
        }
      }
      case KILL_EXECUTOR -> {
        if (first) {
          SparkEnv env = SparkEnv.get();
          if (env == null || "driver".equals(env.executorId())) {
            throw new InjectedFault("injected fault (fault=kill_executor) in local mode, where the executor is the"
                + " driver: failing the task instead of halting the JVM; " + where);
          }
          System.err.println("sparkgen: injected fault (fault=kill_executor): halting executor " + env.executorId()
              + " at " + where);
          Runtime.getRuntime().halt(HALT_STATUS);
        }
      }
      default -> { }
    }
  }

  /** The failure a {@link FaultHook} throws. */
  public static final class InjectedFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InjectedFault(String message) {
      super(message);
    }
  }
}
