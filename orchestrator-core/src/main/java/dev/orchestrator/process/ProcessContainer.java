package dev.orchestrator.process;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.PublishedPort;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One process container: its fixed definition and its run state. The instance's monitor guards
 * every mutable field and orders the state-file writes, so the file always ends up holding the
 * latest state. A run is identified by its generation, so a late exit notice of an old run never
 * overwrites a newer one.
 */
final class ProcessContainer {
  static final String LOG_FILE = "output.log";

  private final ContainerDefinition definition;
  private final Path dir;
  private RunState run;
  private ProcessHandle handle;
  private int generation;
  private CompletableFuture<Void> exited = CompletableFuture.completedFuture(null);
  private boolean removed;
  private long sampledCpuNanos = -1;
  private long sampledAtNanos;

  ProcessContainer(ContainerDefinition definition, Path dir, RunState run) {
    this.definition = definition;
    this.dir = dir;
    this.run = run;
  }

  ContainerDefinition definition() {
    return definition;
  }

  Path dir() {
    return dir;
  }

  Path logFile() {
    return dir.resolve(LOG_FILE);
  }

  /** A builder for the container's main process: its argv, env, working dir, log and no stdin. */
  ProcessBuilder processBuilder() {
    ProcessBuilder builder = new ProcessBuilder(definition.argv())
        .directory(definition.workingDir().toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().putAll(definition.env());
    return builder;
  }

  synchronized RunState run() {
    return run;
  }

  synchronized boolean removed() {
    return removed;
  }

  /** The handle of the current run, or null when not running. */
  synchronized ProcessHandle runningHandle() {
    return run.state() == ContainerState.RUNNING ? handle : null;
  }

  /** Completes once the current run (if any) has been recorded as exited. */
  synchronized CompletableFuture<Void> exitFuture() {
    return exited;
  }

  /** Waits until the current run's exit has been recorded, at most {@code timeout}. */
  void awaitExit(Duration timeout, String node) {
    String id = definition.id();
    try {
      exitFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new RuntimeTimeoutException(node, id, "exit of " + id + " not seen within " + timeout, e);
    } catch (ExecutionException e) {
      throw new ContainerRuntimeException(node, id, "exit of " + id + " failed: " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException(node, id, "interrupted waiting for " + id + " to exit", e);
    }
  }

  /** Records a new run of {@code process} and returns its generation. */
  synchronized int markRunning(ProcessHandle process, Instant startedAt) {
    Instant processStart = process.info().startInstant().orElse(null);
    run = run.running(process.pid(), processStart, startedAt);
    handle = process;
    exited = new CompletableFuture<>();
    sampledCpuNanos = -1;
    return ++generation;
  }

  /**
   * Takes over the loaded RUNNING state for a process a previous runtime started ({@code process}
   * null when it is gone) and returns the run's generation.
   */
  synchronized int adopt(ProcessHandle process) {
    handle = process;
    exited = new CompletableFuture<>();
    return ++generation;
  }

  /** Records the end of run {@code gen}; false (and nothing changes) if that run is not current. */
  synchronized boolean markExited(int gen, int exitCode, Instant finishedAt) {
    if (gen != generation || run.state() != ContainerState.RUNNING) {
      return false;
    }
    run = run.exited(exitCode, finishedAt);
    handle = null;
    exited.complete(null);
    return true;
  }

  /** Marks it removed (no more starts or state writes) and returns the handle of a live run, or null. */
  synchronized ProcessHandle markRemoved() {
    removed = true;
    return runningHandle();
  }

  /** Writes the current state to the state file, unless removed. */
  synchronized void persist() throws IOException {
    if (!removed) {
      StateFile.write(dir, definition, run);
    }
  }

  /** CPU in millicores since the previous sample (the first sample averages since start). */
  synchronized long cpuMillis(long cpuNanos, long nowNanos, Instant now) {
    long deltaCpu;
    long deltaWall;
    if (sampledCpuNanos < 0) {
      deltaCpu = cpuNanos;
      deltaWall = run.startedAt() == null ? 0 : Duration.between(run.startedAt(), now).toNanos();
    } else {
      deltaCpu = cpuNanos - sampledCpuNanos;
      deltaWall = nowNanos - sampledAtNanos;
    }
    sampledCpuNanos = cpuNanos;
    sampledAtNanos = nowNanos;
    return deltaWall <= 0 ? 0 : Math.max(0, deltaCpu * 1000 / deltaWall);
  }

  synchronized ContainerInfo info(String node, String hostAddress) {
    return new ContainerInfo(
        definition.id(),
        definition.name(),
        node,
        definition.image(),
        definition.labels(),
        run.state(),
        run.exitCode(),
        false,
        run.startedAt(),
        run.finishedAt(),
        definition.ports().stream()
            .map(p -> new PublishedPort(p.containerPort(), p.protocol().name().toLowerCase(Locale.ROOT), hostAddress, p.hostPort()))
            .toList());
  }
}
