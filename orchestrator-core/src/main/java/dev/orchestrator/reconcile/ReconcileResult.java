package dev.orchestrator.reconcile;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** What a reconcile pass asks of the loop: nothing more, or another look after a delay. */
public final class ReconcileResult {
  private static final ReconcileResult DONE = new ReconcileResult(null);
  private final Duration requeueAfter;

  private ReconcileResult(Duration requeueAfter) {
    this.requeueAfter = requeueAfter;
  }

  /** Reality matches; look again only when something changes (or at the next resync). */
  public static ReconcileResult done() {
    return DONE;
  }

  /** Look again after {@code delay} (a backoff to wait out, a probe to recheck). */
  public static ReconcileResult requeueAfter(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    return new ReconcileResult(delay.isNegative() ? Duration.ZERO : delay);
  }

  public Optional<Duration> requeueAfter() {
    return Optional.ofNullable(requeueAfter);
  }

  /** The sooner of two results: done only if both are done. */
  public ReconcileResult sooner(ReconcileResult other) {
    if (requeueAfter == null) {
      return other;
    }
    if (other.requeueAfter == null) {
      return this;
    }
    return requeueAfter.compareTo(other.requeueAfter) <= 0 ? this : other;
  }

  @Override
  public String toString() {
    return requeueAfter == null ? "done" : "requeueAfter(" + requeueAfter + ")";
  }
}
