package dev.orchestrator.autoscale;

import java.time.Duration;
import java.util.Objects;

/**
 * How fast replicas may be added (or removed) within any sliding {@code period}: by at most the
 * larger of {@code replicas} and {@code percent}% of the count at the start of the period
 * (Kubernetes' two scaling policies with {@code selectPolicy: Max}, both on one period).
 *
 * @param replicas an absolute change allowed per period (0: only the percentage counts)
 * @param percent a change relative to the count at the start of the period (0: only the absolute)
 * @param period the sliding window over which changes add up
 */
public record RateLimit(int replicas, int percent, Duration period) {
  /** Kubernetes' default scale-up: +4 replicas or +100% (whichever is more) per 15 s. */
  public static final RateLimit DEFAULT_SCALE_UP = new RateLimit(4, 100, Duration.ofSeconds(15));
  /** Kubernetes' default scale-down: up to 100% per 15 s, i.e. straight down to the stabilized value. */
  public static final RateLimit DEFAULT_SCALE_DOWN = new RateLimit(0, 100, Duration.ofSeconds(15));

  public RateLimit {
    Objects.requireNonNull(period, "period");
    if (replicas < 0 || percent < 0 || replicas == 0 && percent == 0 || period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("a rate limit needs replicas >= 0, percent >= 0 (not both 0) and a positive period, got "
          + replicas + ", " + percent + "%, " + period);
    }
  }

  /** The most replicas there may be after scaling up from {@code periodStart}. */
  int upTo(int periodStart) {
    long byPercent = periodStart + ((long) periodStart * percent + 99) / 100;
    return (int) Math.min(Integer.MAX_VALUE, Math.max((long) periodStart + replicas, byPercent));
  }

  /** The fewest replicas there may be after scaling down from {@code periodStart}. */
  int downTo(int periodStart) {
    long byPercent = (long) periodStart * Math.max(0, 100 - percent) / 100;
    return (int) Math.max(0, Math.min((long) periodStart - replicas, byPercent));
  }

  @Override
  public String toString() {
    return replicas + " replicas or " + percent + "% per " + period.toSeconds() + " s";
  }
}
