package dev.orchestrator.spec;

import java.time.Duration;
import java.util.Objects;

/**
 * When and how fast a failed replica is restarted. The delay before restart n (n &ge; 1) is
 * {@code min(initialBackoff * multiplier^(n-1), maxBackoff)}; the counter resets once a replica
 * has run healthy for {@code resetAfter}.
 *
 * <p>Defaults ({@link #defaults()}): always restart, 1 s initial, doubling, capped at 60 s, reset
 * after 2 minutes of healthy running. Presets mirror Kubernetes ({@link #kubernetesLike()}: 10 s,
 * doubling, capped at 5 min, reset after 10 min) and Docker ({@link #dockerLike()}: 100 ms,
 * doubling, capped at 60 s, reset after 10 s).
 */
public record RestartPolicy(
    Mode mode, Duration initialBackoff, Duration maxBackoff, double multiplier, Duration resetAfter) {

  /** Which exits lead to a restart. */
  public enum Mode {
    /** Restart after any exit (a service). */
    ALWAYS,
    /** Restart only after a non-zero exit, an OOM kill or a failed liveness check (a job). */
    ON_FAILURE,
    /** Never restart; the slot stays empty after the replica exits. */
    NEVER
  }

  public RestartPolicy {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(resetAfter, "resetAfter");
  }

  public static RestartPolicy defaults() {
    return new RestartPolicy(Mode.ALWAYS, Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, Duration.ofMinutes(2));
  }

  public static RestartPolicy kubernetesLike() {
    return new RestartPolicy(Mode.ALWAYS, Duration.ofSeconds(10), Duration.ofMinutes(5), 2.0, Duration.ofMinutes(10));
  }

  public static RestartPolicy dockerLike() {
    return new RestartPolicy(Mode.ALWAYS, Duration.ofMillis(100), Duration.ofSeconds(60), 2.0, Duration.ofSeconds(10));
  }

  public RestartPolicy withMode(Mode mode) {
    return new RestartPolicy(mode, initialBackoff, maxBackoff, multiplier, resetAfter);
  }

  public RestartPolicy withBackoff(Duration initial, Duration max, double multiplier) {
    return new RestartPolicy(mode, initial, max, multiplier, resetAfter);
  }

  public RestartPolicy withResetAfter(Duration resetAfter) {
    return new RestartPolicy(mode, initialBackoff, maxBackoff, multiplier, resetAfter);
  }

  /** The delay before the given restart (1 for the first restart). */
  public Duration backoff(int restartNumber) {
    if (restartNumber <= 0) {
      return Duration.ZERO;
    }
    double nanos = initialBackoff.toNanos() * Math.pow(multiplier, restartNumber - 1);
    if (Double.isInfinite(nanos) || nanos >= maxBackoff.toNanos()) {
      return maxBackoff;
    }
    return Duration.ofNanos((long) nanos);
  }

  /** Whether an exit with this outcome leads to a restart under this policy. */
  public boolean restarts(boolean failed) {
    return switch (mode) {
      case ALWAYS -> true;
      case ON_FAILURE -> failed;
      case NEVER -> false;
    };
  }
}
