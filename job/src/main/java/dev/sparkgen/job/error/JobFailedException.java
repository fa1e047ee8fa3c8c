package dev.sparkgen.job.error;


/**
 * The Spark job that generates and writes failed (a task failed more than spark.task.maxFailures
 * times, or a bad row under on_error=fail); the cause is Spark's exception.
 */
public final class JobFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String output;
  private final boolean outputClean;
  private final String state; // null: from output and outputClean

  public JobFailedException(Throwable cause, String output, boolean outputClean) {
    super(summary(cause), cause);
    this.output = output;
    this.outputClean = outputClean;
    this.state = null;
  }

  /** A failed job whose output holds what {@code state} says (mode=resume: the committed slices). */
  public JobFailedException(Throwable cause, String output, String state) {
    super(summary(cause), cause);
    this.output = output;
    this.outputClean = false;
    this.state = state;
  }

  /** The bad row that stopped the job under on_error=fail, or null. */
  public BadRowException badRow() {
    return find(getCause(), BadRowException.class);
  }

  /** What the output location holds now, for the message. */
  public String outputState() {
    if (state != null) {
      return state;
    }
    return outputClean ? "nothing was written to " + output : "the output " + output + " was left as it was";
  }

  /** The first line of Spark's message, with the innermost cause's first line when that says more. */
  public static String summary(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String top = firstLine(e);
    String inner = firstLine(root);
    return root == e || top.contains(inner) ? top : top + " (caused by " + inner + ")";
  }

  private static String firstLine(Throwable t) {
    String m = t.getMessage() == null ? "" : t.getMessage();
    int nl = m.indexOf('\n');
    String line = (nl < 0 ? m : m.substring(0, nl)).trim();
    return t.getClass().getSimpleName() + (line.isEmpty() ? "" : ": " + line);
  }

  static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
