package dev.orchestrator.process;

import dev.orchestrator.runtime.ContainerState;
import java.time.Instant;

/**
 * The lifecycle part of a process container, persisted next to its definition.
 *
 * @param state created, running or exited
 * @param pid the process id of the current or last run, -1 before the first start
 * @param processStart the OS start instant of that process (tells it apart from a reused pid), or null
 * @param startedAt when it was last started, or null
 * @param finishedAt when it last exited, or null
 * @param exitCode the exit code of the last run; -1 when unknown (never exited, or exited while adopted)
 */
record RunState(ContainerState state, long pid, Instant processStart, Instant startedAt, Instant finishedAt, int exitCode) {
  static final RunState CREATED = new RunState(ContainerState.CREATED, -1, null, null, null, -1);

  RunState running(long pid, Instant processStart, Instant startedAt) {
    return new RunState(ContainerState.RUNNING, pid, processStart, startedAt, null, -1);
  }

  RunState exited(int exitCode, Instant finishedAt) {
    return new RunState(ContainerState.EXITED, pid, processStart, startedAt, finishedAt, exitCode);
  }
}
