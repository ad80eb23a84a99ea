package dev.orchestrator.simulation;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How containers of one image behave in the simulator.
 *
 * @param readyAfter time from start until its health checks pass
 * @param exitAfter if present, the container exits by itself this long after start
 * @param exitCode the exit code used with {@code exitAfter}
 */
public record SimulatedImage(Duration readyAfter, Optional<Duration> exitAfter, int exitCode) {
  public SimulatedImage {
    Objects.requireNonNull(readyAfter, "readyAfter");
    Objects.requireNonNull(exitAfter, "exitAfter");
  }

  /** Runs until stopped; healthy at once. The behaviour of any image not registered otherwise. */
  public static SimulatedImage service() {
    return new SimulatedImage(Duration.ZERO, Optional.empty(), 0);
  }

  /** Runs until stopped; health checks pass only {@code readyAfter} after start. */
  public static SimulatedImage slowStarting(Duration readyAfter) {
    return new SimulatedImage(readyAfter, Optional.empty(), 0);
  }

  /** Exits with {@code exitCode} {@code after} start (a job, or a crash loop when non-zero). */
  public static SimulatedImage exitsAfter(Duration after, int exitCode) {
    return new SimulatedImage(Duration.ZERO, Optional.of(after), exitCode);
  }
}
