package dev.orchestrator.autoscale;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How one service is autoscaled: bounds, target, and the constants of the Kubernetes HPA rule.
 * Immutable; build with {@link #builder(Target)}. Defaults are Kubernetes' own:
 *
 * <table>
 *   <caption>Constants and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code minReplicas}</td><td>1</td><td>never fewer (at least 1)</td></tr>
 *   <tr><td>{@code maxReplicas}</td><td>10</td><td>never more</td></tr>
 *   <tr><td>{@code tolerance}</td><td>0.1</td><td>no change while |metric / target - 1| &lt;= tolerance</td></tr>
 *   <tr><td>{@code scaleUpLimit}</td><td>{@link RateLimit#DEFAULT_SCALE_UP} (+4 or +100% per 15 s)</td><td>fastest growth</td></tr>
 *   <tr><td>{@code scaleDownLimit}</td><td>{@link RateLimit#DEFAULT_SCALE_DOWN} (100% per 15 s)</td><td>fastest shrink</td></tr>
 *   <tr><td>{@code scaleUpStabilization}</td><td>0 s</td><td>scale up to the lowest recommendation of this window</td></tr>
 *   <tr><td>{@code scaleDownStabilization}</td><td>300 s</td><td>scale down to the highest recommendation of this window</td></tr>
 *   <tr><td>{@code syncPeriod}</td><td>15 s</td><td>how often a decision is made</td></tr>
 *   <tr><td>{@code reactImmediately}</td><td>off</td><td>read the metric every {@code samplePeriod} and act on any
 *       sample that changes the count, without waiting for the sync period</td></tr>
 * </table>
 *
 * @param target what a replica should carry on average
 * @param minReplicas the fewest replicas (at least 1)
 * @param maxReplicas the most replicas
 * @param tolerance the relative deviation from the target that is ignored
 * @param scaleUpLimit how fast replicas may be added
 * @param scaleDownLimit how fast replicas may be removed
 * @param scaleUpStabilization the window whose lowest recommendation bounds a scale-up
 * @param scaleDownStabilization the window whose highest recommendation bounds a scale-down
 * @param syncPeriod the time between regular decisions
 * @param reactImmediately whether samples between regular decisions are acted on at once
 * @param samplePeriod the time between metric reads when reacting immediately; else the sync period
 */
public record AutoscalePolicy(
    Target target,
    int minReplicas,
    int maxReplicas,
    double tolerance,
    RateLimit scaleUpLimit,
    RateLimit scaleDownLimit,
    Duration scaleUpStabilization,
    Duration scaleDownStabilization,
    Duration syncPeriod,
    boolean reactImmediately,
    Duration samplePeriod) {

  public static final double DEFAULT_TOLERANCE = 0.1;
  public static final Duration DEFAULT_SCALE_DOWN_STABILIZATION = Duration.ofSeconds(300);
  public static final Duration DEFAULT_SYNC_PERIOD = Duration.ofSeconds(15);

  /** Validates every field and reports every problem at once. */
  public AutoscalePolicy {
    List<String> problems = new ArrayList<>();
    if (target == null || scaleUpLimit == null || scaleDownLimit == null || scaleUpStabilization == null
        || scaleDownStabilization == null || syncPeriod == null || samplePeriod == null) {
      throw new NullPointerException("every field of an autoscale policy is required");
    }
    if (minReplicas < 1 || maxReplicas < minReplicas) {
      problems.add("replicas must satisfy 1 <= min <= max, got " + minReplicas + ".." + maxReplicas);
    }
    if (!(tolerance >= 0 && tolerance < 1)) {
      problems.add("tolerance must be in [0, 1), got " + tolerance);
    }
    if (scaleUpStabilization.isNegative() || scaleDownStabilization.isNegative()) {
      problems.add("stabilization windows must not be negative");
    }
    if (notPositive(syncPeriod) || notPositive(samplePeriod) || samplePeriod.compareTo(syncPeriod) > 0) {
      problems.add("periods must satisfy 0 < samplePeriod <= syncPeriod, got " + samplePeriod + ", " + syncPeriod);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid autoscale policy: " + String.join("; ", problems));
    }
  }

  private static boolean notPositive(Duration d) {
    return d.isNegative() || d.isZero();
  }

  public static Builder builder(Target target) {
    return new Builder(target);
  }

  public Builder toBuilder() {
    Builder b = new Builder(target).replicas(minReplicas, maxReplicas).tolerance(tolerance)
        .scaleUpLimit(scaleUpLimit).scaleDownLimit(scaleDownLimit)
        .scaleUpStabilization(scaleUpStabilization).scaleDownStabilization(scaleDownStabilization)
        .syncPeriod(syncPeriod);
    return reactImmediately ? b.reactImmediately(samplePeriod) : b;
  }

  /** Mutable builder; not thread-safe. */
  public static final class Builder {
    private final Target target;
    private int minReplicas = 1;
    private int maxReplicas = 10;
    private double tolerance = DEFAULT_TOLERANCE;
    private RateLimit scaleUpLimit = RateLimit.DEFAULT_SCALE_UP;
    private RateLimit scaleDownLimit = RateLimit.DEFAULT_SCALE_DOWN;
    private Duration scaleUpStabilization = Duration.ZERO;
    private Duration scaleDownStabilization = DEFAULT_SCALE_DOWN_STABILIZATION;
    private Duration syncPeriod = DEFAULT_SYNC_PERIOD;
    private Duration samplePeriod;

    private Builder(Target target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /** Bounds of the replica count (default 1..10). */
    public Builder replicas(int min, int max) {
      this.minReplicas = min;
      this.maxReplicas = max;
      return this;
    }

    /** Relative deviation from the target that causes no change (default 0.1). */
    public Builder tolerance(double tolerance) {
      this.tolerance = tolerance;
      return this;
    }

    /** Fastest growth (default +4 or +100% per 15 s). */
    public Builder scaleUpLimit(RateLimit limit) {
      this.scaleUpLimit = limit;
      return this;
    }

    /** Fastest shrink (default 100% per 15 s). */
    public Builder scaleDownLimit(RateLimit limit) {
      this.scaleDownLimit = limit;
      return this;
    }

    /** Window whose lowest recommendation bounds a scale-up (default 0: none). */
    public Builder scaleUpStabilization(Duration window) {
      this.scaleUpStabilization = window;
      return this;
    }

    /** Window whose highest recommendation bounds a scale-down (default 300 s). */
    public Builder scaleDownStabilization(Duration window) {
      this.scaleDownStabilization = window;
      return this;
    }

    /** Time between regular decisions (default 15 s). */
    public Builder syncPeriod(Duration period) {
      this.syncPeriod = period;
      return this;
    }

    /**
     * Reads the metric every {@code samplePeriod} (at most the sync period) and acts at once on a
     * sample that changes the replica count (it crossed the tolerance band and the limits allow a
     * step); other samples wait for the next regular decision. Default: off.
     */
    public Builder reactImmediately(Duration samplePeriod) {
      this.samplePeriod = Objects.requireNonNull(samplePeriod, "samplePeriod");
      return this;
    }

    public AutoscalePolicy build() {
      return new AutoscalePolicy(target, minReplicas, maxReplicas, tolerance, scaleUpLimit, scaleDownLimit,
          scaleUpStabilization, scaleDownStabilization, syncPeriod, samplePeriod != null, samplePeriod != null ? samplePeriod : syncPeriod);
    }
  }
}
