package dev.orchestrator.autoscale;

import dev.orchestrator.autoscale.Decision.Reason;
import dev.orchestrator.spec.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * The Kubernetes HPA decision rule as a pure function: no clock, no threads, no state beyond
 * the {@link ScalingHistory} passed in and returned. Immutable; thread-safe.
 *
 * <p>One decision, in order:
 * <ol>
 *   <li>A count of 0 disables autoscaling; a count outside {@code [min, max]} is brought to the
 *       nearest bound, whatever the metric.</li>
 *   <li>Recommendation: {@code ratio = average / target}; within the tolerance
 *       ({@code |1 - ratio| <= tolerance}) the count stays, else it becomes
 *       {@code ceil(sum of values / target)}, i.e. {@code ceil(replicas x ratio)}. A
 *       {@link MetricSample.Total total} gives {@code ratio = total / (target x current)} and
 *       {@code ceil(total / target)}.</li>
 *   <li>Missing values (fewer values than declared replicas): when the others suggest scaling
 *       up, the missing replicas count as using 0; when they suggest scaling down, as using the
 *       target (100% of the request for utilization targets below 100%). If that brings the ratio
 *       into the tolerance, or flips the direction, the count stays. No value at all: no change.</li>
 *   <li>Stabilization: the result is bounded below by the lowest recommendation of the scale-up
 *       window and above by the highest recommendation of the scale-down window (each including
 *       this one), starting from the current count.</li>
 *   <li>Rate limits: a scale-up goes no higher than {@link RateLimit#upTo} of the count at the
 *       start of the limit's period (the current count minus what was added, plus what was
 *       removed within it), a scale-down no lower than {@link RateLimit#downTo}; then the result
 *       is clamped to {@code [min, max]}.</li>
 * </ol>
 *
 * <p>Differences from Kubernetes: values are exact doubles (Kubernetes truncates utilization to
 * whole percents); each direction has one rate limit with one period (Kubernetes allows a list);
 * there is no separate treatment of unready replicas (a source that omits them makes them missing).
 */
public final class HorizontalAutoscaler {
  private final AutoscalePolicy policy;

  public HorizontalAutoscaler(AutoscalePolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  public AutoscalePolicy policy() {
    return policy;
  }

  /**
   * Decides the replica count.
   *
   * @param current the declared replica count now
   * @param sample the metric now
   * @param requests the service's resource requests (read by utilization targets only)
   * @param now the time of the decision
   * @param history what the previous decisions returned, plus the scales applied since
   * @throws IllegalArgumentException if a utilization target meets a service without that request
   */
  public Decision decide(int current, MetricSample sample, Resources requests, Instant now, ScalingHistory history) {
    if (current == 0) {
      return new Decision(0, 0, Reason.DISABLED, "the service is scaled to 0", history);
    }
    if (current > policy.maxReplicas()) {
      return new Decision(current, policy.maxReplicas(), Reason.ABOVE_MAX, "above the maximum of " + policy.maxReplicas(), history);
    }
    if (current < policy.minReplicas()) {
      return new Decision(current, policy.minReplicas(), Reason.BELOW_MIN, "below the minimum of " + policy.minReplicas(), history);
    }
    Recommendation rec = recommend(current, sample, requests);
    if (rec.reason() == Reason.NO_METRICS) {
      return new Decision(current, current, Reason.NO_METRICS, rec.message(), history);
    }
    Reason reason = rec.reason();
    StringBuilder message = new StringBuilder(rec.message());

    int stabilized = stabilize(current, rec.replicas(), now, history);
    if (stabilized != rec.replicas()) {
      boolean heldUp = stabilized < rec.replicas();
      reason = heldUp ? Reason.SCALE_UP_STABILIZED : Reason.SCALE_DOWN_STABILIZED;
      message.append("; held at ").append(stabilized).append(" by the ").append(heldUp ? "lowest" : "highest")
          .append(" recommendation of the last ")
          .append((heldUp ? policy.scaleUpStabilization() : policy.scaleDownStabilization()).toSeconds()).append(" s");
    }

    int desired = stabilized;
    if (stabilized > current) {
      RateLimit up = policy.scaleUpLimit();
      int start = current - history.changedWithin(now, up.period(), true) + history.changedWithin(now, up.period(), false);
      int limit = Math.max(up.upTo(start), current);
      if (limit < policy.maxReplicas()) {
        if (desired > limit) {
          desired = limit;
          reason = Reason.SCALE_UP_LIMITED;
          message.append("; limited to ").append(limit).append(" by the scale-up rate (").append(up).append(')');
        }
      } else if (desired > policy.maxReplicas()) {
        desired = policy.maxReplicas();
        reason = Reason.AT_MAX;
        message.append("; capped at the maximum of ").append(desired);
      }
    } else if (stabilized < current) {
      RateLimit down = policy.scaleDownLimit();
      int start = current + history.changedWithin(now, down.period(), false) - history.changedWithin(now, down.period(), true);
      int limit = Math.min(down.downTo(start), current);
      if (limit > policy.minReplicas()) {
        if (desired < limit) {
          desired = limit;
          reason = Reason.SCALE_DOWN_LIMITED;
          message.append("; limited to ").append(limit).append(" by the scale-down rate (").append(down).append(')');
        }
      } else if (desired < policy.minReplicas()) {
        desired = policy.minReplicas();
        reason = Reason.AT_MIN;
        message.append("; kept at the minimum of ").append(desired);
      }
    }
    ScalingHistory next = history.withRecommendation(now, rec.replicas(),
        longer(policy.scaleUpStabilization(), policy.scaleDownStabilization()),
        longer(policy.scaleUpLimit().period(), policy.scaleDownLimit().period()));
    return new Decision(current, desired, reason, message.toString(), next);
  }

  /** The metric's unstabilized count, with why. */
  record Recommendation(int replicas, Reason reason, String message) {}

  Recommendation recommend(int current, MetricSample sample, Resources requests) {
    double target = policy.target().perReplica(requests);
    if (sample instanceof MetricSample.Total total) {
      double ratio = total.value() / (target * current);
      return fromRatio(current, ratio, total.value() / target, "total " + num(total.value()) + " over " + current + " replicas");
    }
    MetricSample.PerReplica perReplica = (MetricSample.PerReplica) sample;
    int reported = perReplica.values().size();
    if (reported == 0) {
      return new Recommendation(current, Reason.NO_METRICS, "no metric values");
    }
    double sum = perReplica.values().values().stream().mapToDouble(Double::doubleValue).sum();
    double ratio = sum / (reported * target);
    int missing = Math.max(0, current - reported);
    String seen = "average " + num(sum / reported) + " over " + reported + " replicas";
    if (missing == 0 || ratio == 1.0) {
      return fromRatio(current, ratio, sum / target, seen);
    }
    double fill = ratio < 1 ? policy.target().missingOnScaleDown(requests) : 0;
    double filledSum = sum + fill * missing;
    double filledRatio = filledSum / ((reported + missing) * target);
    String filled = seen + ", " + missing + " missing counted as " + num(fill) + " (ratio " + num(filledRatio) + ")";
    if (withinTolerance(filledRatio) || (ratio < 1 && filledRatio > 1) || (ratio > 1 && filledRatio < 1)) {
      return new Recommendation(current, Reason.WITHIN_TOLERANCE, filled + ": no change");
    }
    int replicas = ceil(filledSum / target);
    if ((filledRatio < 1 && replicas > current) || (filledRatio > 1 && replicas < current)) {
      return new Recommendation(current, Reason.WITHIN_TOLERANCE, filled + ": the count would move against the metric, no change");
    }
    return new Recommendation(replicas, Reason.METRIC, filled + " (target " + num(target) + ") -> " + replicas);
  }

  private Recommendation fromRatio(int current, double ratio, double exactReplicas, String seen) {
    String text = seen + " is " + num(ratio) + " of the target " + policy.target();
    if (withinTolerance(ratio)) {
      return new Recommendation(current, Reason.WITHIN_TOLERANCE, text + ", within the tolerance " + policy.tolerance());
    }
    int replicas = ceil(exactReplicas);
    return new Recommendation(replicas, Reason.METRIC, text + " -> " + replicas);
  }

  private int stabilize(int current, int recommended, Instant now, ScalingHistory history) {
    Instant upCutoff = now.minus(policy.scaleUpStabilization());
    Instant downCutoff = now.minus(policy.scaleDownStabilization());
    int upFloor = recommended;
    int downCeiling = recommended;
    for (ScalingHistory.Entry e : history.recommendations()) {
      if (e.time().isAfter(upCutoff)) {
        upFloor = Math.min(upFloor, e.replicas());
      }
      if (e.time().isAfter(downCutoff)) {
        downCeiling = Math.max(downCeiling, e.replicas());
      }
    }
    return Math.min(Math.max(current, upFloor), downCeiling);
  }

  private boolean withinTolerance(double ratio) {
    return Math.abs(1.0 - ratio) <= policy.tolerance();
  }

  private static int ceil(double replicas) {
    return (int) Math.min(Integer.MAX_VALUE, Math.ceil(replicas));
  }

  private static Duration longer(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.3g", v);
  }
}
