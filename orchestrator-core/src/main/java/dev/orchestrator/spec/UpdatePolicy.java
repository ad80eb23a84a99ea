package dev.orchestrator.spec;

import java.time.Duration;
import java.util.Objects;

/**
 * How a changed spec (a new {@link ServiceSpec#specHash()}) is rolled out over the replicas.
 * Replicas already on the new spec are never touched; scaling alone never rolls.
 *
 * <p>At every moment the service runs at most {@code replicas + surge(replicas)} containers and
 * keeps at least {@code replicas - unavailable(replicas)} replicas available (ready for
 * {@link #minReady()}), as far as the orchestrator's own actions go. Each outdated replica is
 * replaced in the {@link #order()} asked for when that order's budget allows, else in the other
 * order when its budget allows, else later. New replicas that crash, fail liveness, or are not
 * available within {@link #progressDeadline()} count as failed; at {@link #failureThreshold()}
 * failures the rollout pauses or rolls back to the last fully-ready spec ({@link #onFailure()}).
 *
 * <p>A service with a fixed host port is rolled stop-first (no surge, at least one unavailable):
 * a slot's second container could not bind the port on the same node.
 *
 * <p>The policy is not part of the spec hash: changing it alone replaces nothing. Checked by
 * {@link SpecValidator} (fields {@code updatePolicy.*}).
 */
public final class UpdatePolicy {
  /** Which of a replaced replica's two containers runs first. */
  public enum Order {
    /** Start the new container next to the old one and stop the old one once the new is available (uses the surge budget). */
    START_FIRST,
    /** Stop the old container, then start the new one (uses the unavailability budget). */
    STOP_FIRST
  }

  /** What a rollout does when its new replicas fail {@link #failureThreshold()} times. */
  public enum FailureAction {
    /** Stop replacing replicas until {@code resumeRollout}; nothing is reverted. */
    PAUSE,
    /** Re-declare the last spec that was fully ready (auto-revert) and roll out to it. */
    ROLLBACK
  }

  /**
   * A number of replicas or a percentage of the declared replicas.
   *
   * @param value the count, or the percentage (0..100)
   * @param percent whether {@code value} is a percentage
   */
  public record Amount(int value, boolean percent) {
    public static Amount count(int replicas) {
      return new Amount(replicas, false);
    }

    public static Amount percent(int percent) {
      return new Amount(percent, true);
    }

    /** The count for {@code replicas}; a percentage is rounded up or down (Kubernetes: surge up, unavailable down). */
    int resolve(int replicas, boolean roundUp) {
      if (!percent) {
        return value;
      }
      long scaled = (long) replicas * value;
      return (int) (roundUp ? (scaled + 99) / 100 : scaled / 100);
    }

    @Override
    public String toString() {
      return value + (percent ? "%" : "");
    }
  }

  private static final UpdatePolicy DEFAULTS = new Builder().build();

  private final Amount maxSurge;
  private final Amount maxUnavailable;
  private final Order order;
  private final Duration minReady;
  private final int failureThreshold;
  private final FailureAction onFailure;
  private final Duration progressDeadline;

  private UpdatePolicy(Builder b) {
    this.maxSurge = b.maxSurge;
    this.maxUnavailable = b.maxUnavailable;
    this.order = b.order;
    this.minReady = b.minReady;
    this.failureThreshold = b.failureThreshold;
    this.onFailure = b.onFailure;
    this.progressDeadline = b.progressDeadline;
  }

  /**
   * One replica at a time, never below the declared count: maxSurge 1, maxUnavailable 0,
   * START_FIRST, minReady 0, pause at the first failed new replica, progress deadline 10 minutes.
   */
  public static UpdatePolicy defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public Amount maxSurge() {
    return maxSurge;
  }

  public Amount maxUnavailable() {
    return maxUnavailable;
  }

  public Order order() {
    return order;
  }

  /** How long a new replica must have been ready before it counts as available. */
  public Duration minReady() {
    return minReady;
  }

  /** Failed new replicas (crash, liveness, progress deadline) that trigger {@link #onFailure()}. */
  public int failureThreshold() {
    return failureThreshold;
  }

  public FailureAction onFailure() {
    return onFailure;
  }

  /** How long a new replica may take from start to available before it counts as failed. */
  public Duration progressDeadline() {
    return progressDeadline;
  }

  /** Extra containers allowed during a rollout of {@code replicas} (percentages round up). */
  public int surge(int replicas) {
    return maxSurge.resolve(replicas, true);
  }

  /**
   * Replicas allowed to be unavailable during a rollout of {@code replicas} (percentages round
   * down); 1 when both budgets come to 0, so that a rollout can always move (as in Kubernetes).
   */
  public int unavailable(int replicas) {
    int u = maxUnavailable.resolve(replicas, false);
    return u == 0 && surge(replicas) == 0 ? 1 : u;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UpdatePolicy p && maxSurge.equals(p.maxSurge) && maxUnavailable.equals(p.maxUnavailable)
        && order == p.order && minReady.equals(p.minReady) && failureThreshold == p.failureThreshold
        && onFailure == p.onFailure && progressDeadline.equals(p.progressDeadline);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxSurge, maxUnavailable, order, minReady, failureThreshold, onFailure, progressDeadline);
  }

  @Override
  public String toString() {
    return "UpdatePolicy{maxSurge=" + maxSurge + ", maxUnavailable=" + maxUnavailable + ", " + order + ", minReady=" + minReady
        + ", " + onFailure + " after " + failureThreshold + " failed, progressDeadline=" + progressDeadline + "}";
  }

  /** Mutable builder; not thread-safe. */
  public static final class Builder {
    private Amount maxSurge = Amount.count(1);
    private Amount maxUnavailable = Amount.count(0);
    private Order order = Order.START_FIRST;
    private Duration minReady = Duration.ZERO;
    private int failureThreshold = 1;
    private FailureAction onFailure = FailureAction.PAUSE;
    private Duration progressDeadline = Duration.ofMinutes(10);

    private Builder() {}

    private Builder(UpdatePolicy p) {
      this.maxSurge = p.maxSurge;
      this.maxUnavailable = p.maxUnavailable;
      this.order = p.order;
      this.minReady = p.minReady;
      this.failureThreshold = p.failureThreshold;
      this.onFailure = p.onFailure;
      this.progressDeadline = p.progressDeadline;
    }

    public Builder maxSurge(int replicas) {
      this.maxSurge = Amount.count(replicas);
      return this;
    }

    public Builder maxSurgePercent(int percent) {
      this.maxSurge = Amount.percent(percent);
      return this;
    }

    public Builder maxUnavailable(int replicas) {
      this.maxUnavailable = Amount.count(replicas);
      return this;
    }

    public Builder maxUnavailablePercent(int percent) {
      this.maxUnavailable = Amount.percent(percent);
      return this;
    }

    public Builder order(Order order) {
      this.order = Objects.requireNonNull(order, "order");
      return this;
    }

    public Builder minReady(Duration minReady) {
      this.minReady = Objects.requireNonNull(minReady, "minReady");
      return this;
    }

    /** Pause or roll back ({@code action}) once {@code threshold} new replicas have failed. */
    public Builder onFailure(FailureAction action, int threshold) {
      this.onFailure = Objects.requireNonNull(action, "onFailure");
      this.failureThreshold = threshold;
      return this;
    }

    public Builder progressDeadline(Duration progressDeadline) {
      this.progressDeadline = Objects.requireNonNull(progressDeadline, "progressDeadline");
      return this;
    }

    public UpdatePolicy build() {
      return new UpdatePolicy(this);
    }
  }
}
