package dev.orchestrator.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Signals, waits for and measures a process together with all its descendants.
 *
 * <p>Descendants are found through {@link ProcessHandle#descendants()}, so a process that has
 * already been re-parented (its parent died first) is only caught if it was seen before; the
 * kill therefore snapshots the tree before signalling and re-scans survivors until none is
 * left. A zombie (exited, not yet reaped by its new parent) counts as dead.
 */
final class ProcessTree {
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final int KILL_ROUNDS = 5;

  private ProcessTree() {}

  /** The root and every descendant alive right now. */
  static List<ProcessHandle> snapshot(ProcessHandle root) {
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(root);
    root.descendants().forEach(tree::add);
    return tree;
  }

  /**
   * SIGTERM to the whole tree, up to {@code grace} for it to exit, then SIGKILL to whatever is
   * left (including descendants spawned meanwhile). Returns whether all of it died within
   * {@code grace + killWait}.
   */
  static boolean terminate(ProcessHandle root, Duration grace, Duration killWait) {
    Set<ProcessHandle> tree = new LinkedHashSet<>(snapshot(root));
    tree.forEach(ProcessHandle::destroy);
    if (awaitDead(tree, grace)) {
      return true;
    }
    return kill(tree, killWait);
  }

  /** SIGKILL to the whole tree at once; returns whether it died within {@code wait}. */
  static boolean kill(ProcessHandle root, Duration wait) {
    return kill(new LinkedHashSet<>(snapshot(root)), wait);
  }

  private static boolean kill(Set<ProcessHandle> known, Duration wait) {
    for (int round = 0; round < KILL_ROUNDS; round++) {
      List<ProcessHandle> alive = known.stream().filter(ProcessTree::alive).toList();
      if (alive.isEmpty()) {
        break;
      }
      for (ProcessHandle p : alive) {
        p.descendants().forEach(known::add);
      }
      known.forEach(ProcessHandle::destroyForcibly);
    }
    return awaitDead(known, wait);
  }

  /** Polls until every process is dead or {@code timeout} passed; returns whether all died. */
  static boolean awaitDead(Iterable<ProcessHandle> processes, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean anyAlive = false;
      for (ProcessHandle p : processes) {
        anyAlive |= alive(p);
      }
      if (!anyAlive) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /** Alive and not a zombie. */
  static boolean alive(ProcessHandle p) {
    return p.isAlive() && !zombie(p.pid());
  }

  /** CPU time used by the tree's live members (time of exited descendants is not counted). */
  static long cpuNanos(ProcessHandle root) {
    long total = 0;
    for (ProcessHandle p : snapshot(root)) {
      total += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }
    return total;
  }

  /** Resident memory of the tree from {@code /proc/<pid>/status} (VmRSS); 0 where unavailable. */
  static long rssBytes(ProcessHandle root) {
    long total = 0;
    for (ProcessHandle p : snapshot(root)) {
      total += statusField(p.pid(), "VmRSS:")
          .map(v -> Long.parseLong(v.replace("kB", "").strip()) * 1024L)
          .orElse(0L);
    }
    return total;
  }

  private static boolean zombie(long pid) {
    return statusField(pid, "State:").map(s -> s.startsWith("Z")).orElse(false);
  }

  private static Optional<String> statusField(long pid, String field) {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    try {
      for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
        if (line.startsWith(field)) {
          return Optional.of(line.substring(field.length()).strip());
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or the process is gone: no such field
    }
    return Optional.empty();
  }
}
