package dev.sparkgen.job.progress;

import dev.sparkgen.job.exec.ProgressCounters;
import java.io.PrintStream;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.ui.SparkUI;

/**
 * Prints a {@link ProgressLine} every {@code progress_interval} seconds while a run generates, and
 * a last one when it {@link #finish finishes}. Listens to the run's {@link ProgressCounters} with a {@link
 * ProgressListener} registered on the SparkContext for the reporter's lifetime. For live counts
 * within a partition the executors' heartbeat interval should not exceed the progress interval (the
 * command line's session sets {@code spark.executor.heartbeatInterval} accordingly). When the
 * application has a web UI, its "Sparkgen" tab ({@link ProgressTab}) shows the same counts live
 * and the lines printed so far, for the reporter's lifetime.
 */
public final class ProgressReporter implements AutoCloseable {
  private final SparkContext sc;
  private final ProgressListener listener;
  private final ProgressCounters counters;
  private final long total;
  private final long doneBefore;
  private final PrintStream out;
  private final ScheduledExecutorService timer;
  private final long startNanos = System.nanoTime();
  private long lastNanos = startNanos;
  private long lastTokens;
  /** Lines printed so far, for the UI tab; the most recent {@link #KEPT}. */
  private final List<ProgressTab.Printed> printed = new ArrayList<>();
  private static final int KEPT = 500;
  private final ProgressTab tab; // null without a web UI

  /**
   * Starts reporting {@code counters} to {@code out}; {@code total} is the rows of the whole input,
   * {@code doneBefore} those an earlier run committed (mode=resume); {@code intervalSeconds} 0 prints
   * no periodic lines (the listener still counts: {@link #line}).
   */
  public ProgressReporter(SparkContext sc, ProgressCounters counters, long total, long doneBefore,
      double intervalSeconds, PrintStream out) {
    this.sc = sc;
    this.listener = new ProgressListener(counters);
    this.counters = counters;
    this.total = total;
    this.doneBefore = doneBefore;
    this.out = out;
    sc.addSparkListener(listener);
    SparkUI ui = sc.ui().isDefined() ? sc.ui().get() : null;
    tab = ui == null ? null : new ProgressTab(ui, "sparkgen: " + total + " rows in this job's input"
        + (doneBefore > 0 ? ", " + doneBefore + " of them committed by earlier runs" : ""), () -> snapshot(false), printed);
    if (tab != null) {
      ui.attachTab(tab);
    }
    if (intervalSeconds > 0) {
      long ms = Math.max(1, Math.round(intervalSeconds * 1000));
      timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sparkgen-progress");
        t.setDaemon(true);
        return t;
      });
      timer.scheduleAtFixedRate(this::print, ms, ms, TimeUnit.MILLISECONDS);
    } else {
      timer = null;
    }
  }

  /** The counts now (and, as a side effect, the start of the next interval). */
  public ProgressLine line() {
    return snapshot(true);
  }

  /** The counts now; {@code next}: this line starts the next interval (a printed line does, the UI's does not). */
  private synchronized ProgressLine snapshot(boolean next) {
    long now = System.nanoTime();
    // The accumulators' merged values are exact for finished tasks once their results are in; the
    // listener's may lag (the listener bus) but also holds running tasks' heartbeat counts.
    long prompts = Math.max(listener.prompts(), counters.prompts().sum());
    long tokens = Math.max(listener.tokens(), counters.tokens().sum());
    double interval = (now - lastNanos) / 1e9;
    double elapsed = (now - startNanos) / 1e9;
    double rowsPerSecond = prompts / Math.max(elapsed, 1e-9);
    long done = Math.min(total, doneBefore + prompts);
    ProgressLine line = new ProgressLine(done, total, tokens, (tokens - lastTokens) / Math.max(interval, 1e-9), interval,
        tokens / Math.max(elapsed, 1e-9), prompts == 0 ? Double.NaN : (total - done) / rowsPerSecond);
    if (next) {
      lastNanos = now;
      lastTokens = tokens;
    }
    return line;
  }

  private void print() {
    String text = line().format();
    out.println(text);
    synchronized (printed) {
      if (printed.size() == KEPT) {
        printed.remove(0);
      }
      printed.add(new ProgressTab.Printed(LocalTime.now(), text));
    }
  }

  /** Prints the last line (when lines were asked for): generation is done. */
  public void finish() {
    if (timer != null) {
      stopTimer();
      print();
    }
  }

  private void stopTimer() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the timer (no last line unless {@link #finish} printed it) and removes the listener. */
  @Override
  public void close() {
    if (timer != null) {
      stopTimer();
    }
    sc.removeSparkListener(listener);
    if (tab != null) {
      sc.ui().get().detachTab(tab);
    }
  }
}
