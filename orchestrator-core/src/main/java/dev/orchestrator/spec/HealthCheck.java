package dev.orchestrator.spec;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A liveness or readiness check: a TCP connect, an HTTP GET (2xx/3xx passes) or a command run
 * inside the container (exit 0 passes).
 *
 * <p>The first probe runs {@code initialDelay} after start, then every {@code interval}; each is
 * bounded by {@code timeout}. A check passes after {@code successThreshold} consecutive
 * successes and fails after {@code failureThreshold} consecutive failures. With a
 * {@code startInterval}, probes run that often until the check first passes, and every
 * {@code interval} from then on (Docker's {@code --health-start-interval}): a replica is seen
 * ready soon after it is, without probing every ready replica that often for its whole life.
 * Defaults: interval 10 s, timeout 1 s, success 1, failure 3, no initial delay, no start interval
 * (zero: {@code interval} throughout).
 *
 * <p>Only the target (kind, port, path, command) enters {@link ServiceSpec#specHash()}: applying a
 * spec that changes only a check's timings replaces no replica; the running replicas' probes
 * switch to them from their next probe on.
 */
public record HealthCheck(
    Kind kind,
    int port,
    String path,
    List<String> command,
    Duration interval,
    Duration timeout,
    int successThreshold,
    int failureThreshold,
    Duration initialDelay,
    Duration startInterval) {

  /** How a check probes the replica. */
  public enum Kind {
    TCP,
    HTTP,
    EXEC
  }

  public HealthCheck {
    Objects.requireNonNull(kind, "kind");
    command = command == null ? List.of() : List.copyOf(command);
    path = path == null ? "" : path;
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(initialDelay, "initialDelay");
    startInterval = startInterval == null ? Duration.ZERO : startInterval;
  }

  private static HealthCheck of(Kind kind, int port, String path, List<String> command) {
    return new HealthCheck(kind, port, path, command, Duration.ofSeconds(10), Duration.ofSeconds(1), 1, 3, Duration.ZERO, Duration.ZERO);
  }

  /** Passes when a TCP connection to the container port opens. */
  public static HealthCheck tcp(int containerPort) {
    return of(Kind.TCP, containerPort, "", List.of());
  }

  /** Passes when a GET of {@code path} on the container port answers 2xx or 3xx. */
  public static HealthCheck http(int containerPort, String path) {
    return of(Kind.HTTP, containerPort, path, List.of());
  }

  /** Passes when the command, run inside the container, exits 0. */
  public static HealthCheck exec(String... command) {
    return of(Kind.EXEC, 0, "", List.of(command));
  }

  public HealthCheck withInterval(Duration interval) {
    return new HealthCheck(kind, port, path, command, interval, timeout, successThreshold, failureThreshold, initialDelay, startInterval);
  }

  public HealthCheck withTimeout(Duration timeout) {
    return new HealthCheck(kind, port, path, command, interval, timeout, successThreshold, failureThreshold, initialDelay, startInterval);
  }

  public HealthCheck withThresholds(int successThreshold, int failureThreshold) {
    return new HealthCheck(kind, port, path, command, interval, timeout, successThreshold, failureThreshold, initialDelay, startInterval);
  }

  /** Probes every {@code startInterval} until the check first passes, then every {@code interval}; zero turns it off. */
  public HealthCheck withStartInterval(Duration startInterval) {
    return new HealthCheck(kind, port, path, command, interval, timeout, successThreshold, failureThreshold, initialDelay, startInterval);
  }

  /** How long to wait before the next probe: the start interval, if any, until the check first passed. */
  public Duration nextInterval(boolean passedOnce) {
    return passedOnce || startInterval.isZero() ? interval : startInterval;
  }

  public HealthCheck withInitialDelay(Duration initialDelay) {
    return new HealthCheck(kind, port, path, command, interval, timeout, successThreshold, failureThreshold, initialDelay, startInterval);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case TCP -> "tcp:" + port;
      case HTTP -> "http:" + port + path;
      case EXEC -> "exec:" + String.join(" ", command);
    };
  }
}
