package dev.orchestrator.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finds the containers a previous runtime left in a state directory and watches re-adopted
 * processes. Those are not this JVM's children (or were another runtime's), so their exit is
 * detected by polling on one daemon thread this class owns; a zombie counts as exited, and the
 * exit code is unknown.
 */
final class AdoptedProcesses implements AutoCloseable {
  /** OS start times are derived from clock ticks and the boot time; allow for rounding. */
  private static final Duration START_TOLERANCE = Duration.ofSeconds(1);
  private static final long POLL_MILLIS = 250;

  private final Map<ProcessHandle, Runnable> watched = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller;

  AdoptedProcesses(String node) {
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "process-runtime-adopted-" + node);
      t.setDaemon(true);
      return t;
    });
    poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Every readable state file under {@code containersDir}; unreadable ones are logged and skipped. */
  static List<StateFile.Loaded> load(Path containersDir) throws IOException {
    List<StateFile.Loaded> loaded = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(containersDir)) {
      for (Path dir : dirs.filter(d -> Files.isRegularFile(d.resolve(StateFile.NAME))).toList()) {
        try {
          loaded.add(StateFile.read(dir));
        } catch (IOException | RuntimeException e) {
          StateDirs.log.warn("ignoring unreadable container state in {}", dir, e);
        }
      }
    }
    return loaded;
  }

  /** The recorded process, if it is still alive and started when recorded (not a reused pid). */
  static Optional<ProcessHandle> stillRunning(RunState run) {
    return ProcessHandle.of(run.pid())
        .filter(ProcessTree::alive)
        .filter(p -> sameStart(p.info().startInstant().orElse(null), run.processStart()));
  }

  /** Runs {@code onExit} once, on the polling thread, after {@code process} exits. */
  void watch(ProcessHandle process, Runnable onExit) {
    watched.put(process, onExit);
  }

  private void poll() {
    watched.forEach((process, onExit) -> {
      if (!ProcessTree.alive(process) && watched.remove(process, onExit)) {
        try {
          onExit.run();
        } catch (RuntimeException e) {
          StateDirs.log.warn("exit handling of adopted process {} failed", process.pid(), e);
        }
      }
    });
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }

  private static boolean sameStart(Instant actual, Instant recorded) {
    if (actual == null || recorded == null) {
      return actual == null && recorded == null;
    }
    return Duration.between(actual, recorded).abs().compareTo(START_TOLERANCE) <= 0;
  }
}
