package dev.orchestrator.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A stop whose grace period is longer than one engine call may last: sends SIGTERM, polls
 * with short calls until the container has exited, and kills it after the grace.
 */
final class LongStop {
  private static final Duration POLL = Duration.ofMillis(200);

  private final Engine engine;
  private final String containerId;
  private final Duration grace;

  LongStop(Engine engine, String containerId, Duration grace) {
    this.engine = engine;
    this.containerId = containerId;
    this.grace = grace;
  }

  void run() {
    InspectContainerResponse c = inspect();
    if (c == null || !Boolean.TRUE.equals(c.getState().getRunning())) {
      return;
    }
    kill("SIGTERM");
    long deadline = System.nanoTime() + grace.toNanos();
    while (System.nanoTime() < deadline) {
      InspectContainerResponse now = inspect();
      if (now == null || !Boolean.TRUE.equals(now.getState().getRunning())) {
        return;
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
    kill("SIGKILL");
  }

  private InspectContainerResponse inspect() {
    return engine.call("inspect of container " + containerId, containerId, () -> {
      try {
        return engine.client().inspectContainerCmd(containerId).exec();
      } catch (NotFoundException e) {
        return null;
      }
    });
  }

  private void kill(String signal) {
    engine.run("stop of container " + containerId, containerId, () -> {
      try {
        engine.client().killContainerCmd(containerId).withSignal(signal).exec();
      } catch (NotFoundException | ConflictException e) {
        // gone or no longer running
      }
    });
  }
}
