package dev.orchestrator.autoscale;

import java.util.Objects;

/**
 * The outcome of one {@link HorizontalAutoscaler#decide} call.
 *
 * @param currentReplicas the count the decision started from
 * @param desiredReplicas the count to scale to (equal to current: no change)
 * @param reason what determined {@code desiredReplicas}
 * @param message the numbers behind it, for people
 * @param history the history to pass to the next decision (add the change with
 *     {@link ScalingHistory#withScale} once applied)
 */
public record Decision(int currentReplicas, int desiredReplicas, Reason reason, String message, ScalingHistory history) {
  /** What determined the desired count; in Kubernetes' terms where it has one. */
  public enum Reason {
    /** The metric's recommendation, within every limit. */
    METRIC,
    /** The metric is within the tolerance of the target: no change. */
    WITHIN_TOLERANCE,
    /** No metric value (none reported, or the source failed): no change. */
    NO_METRICS,
    /** The service is scaled to 0: autoscaling is off until it has replicas again. */
    DISABLED,
    /** The count was below {@code minReplicas}: raised to it, whatever the metric. */
    BELOW_MIN,
    /** The count was above {@code maxReplicas}: lowered to it, whatever the metric. */
    ABOVE_MAX,
    /** A scale-up held back by the lowest recommendation of the scale-up window. */
    SCALE_UP_STABILIZED,
    /** A scale-down held back by the highest recommendation of the scale-down window. */
    SCALE_DOWN_STABILIZED,
    /** A scale-up capped by the scale-up rate limit ("ScaleUpLimit"). */
    SCALE_UP_LIMITED,
    /** A scale-down capped by the scale-down rate limit ("ScaleDownLimit"). */
    SCALE_DOWN_LIMITED,
    /** A scale-up capped at {@code maxReplicas} ("TooManyReplicas"). */
    AT_MAX,
    /** A scale-down stopped at {@code minReplicas} ("TooFewReplicas"). */
    AT_MIN
  }

  public Decision {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(history, "history");
  }

  /** Whether the decision changes the replica count. */
  public boolean scales() {
    return desiredReplicas != currentReplicas;
  }

  @Override
  public String toString() {
    return currentReplicas + " -> " + desiredReplicas + " (" + reason + ": " + message + ")";
  }
}
