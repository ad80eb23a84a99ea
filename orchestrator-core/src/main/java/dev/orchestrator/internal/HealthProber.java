package dev.orchestrator.internal;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ExecResult;
import dev.orchestrator.runtime.PublishedPort;
import dev.orchestrator.runtime.SelfProbing;
import dev.orchestrator.spec.HealthCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs liveness and readiness checks of tracked containers on the clock's schedule (initial
 * delay, then every interval) and tells the control loop when a container's verdict changes.
 *
 * <p>Threads: the timer thread only schedules; probes run on the bounded probe pool, each bounded
 * by its check's timeout. Per-container state is guarded by its own monitor.
 */
final class HealthProber implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthProber.class);
  private final Clock clock;
  private final ClockScheduler timer;
  private final ExecutorService pool;
  private final Consumer<String> onChange;
  private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
  /** Service to the ids of its tracked containers, so that a pass touches only its own. */
  private final Map<String, java.util.Set<String>> byService = new ConcurrentHashMap<>();

  HealthProber(Clock clock, ClockScheduler timer, ExecutorService pool, Consumer<String> onChange) {
    this.clock = clock;
    this.timer = timer;
    this.pool = pool;
    this.onChange = onChange;
  }

  /** Probe state of one container; fields guarded by this. */
  private final class Tracked {
    final Node node;
    final ContainerInfo container;
    final String service;
    final HealthCheck liveness;
    final HealthCheck readiness;
    boolean ready;
    boolean verdict;
    boolean livenessFailed;
    /** Whether the liveness check passed once, and whether readiness was reached once: the start interval ends. */
    boolean livenessPassed;
    boolean wasReady;
    int readySuccesses;
    int readyFailures;
    int liveFailures;
    String lastFailure = "";
    volatile boolean stopped;

    Tracked(Node node, ContainerInfo container, String service, HealthCheck liveness, HealthCheck readiness) {
      this.node = node;
      this.container = container;
      this.service = service;
      this.liveness = liveness;
      this.readiness = readiness;
      this.ready = readiness == null;
      this.verdict = readiness == null;
    }
  }

  /** Starts probing a running container; a no-op if it is tracked already. */
  void track(Node node, ContainerInfo c, String service, Optional<HealthCheck> liveness, Optional<HealthCheck> readiness) {
    tracked.computeIfAbsent(c.id(), id -> {
      Tracked t = new Tracked(node, c, service, liveness.orElse(null), readiness.orElse(null));
      Instant started = c.startedAt() != null ? c.startedAt() : clock.instant();
      if (t.liveness != null) {
        timer.scheduleAt(started.plus(t.liveness.initialDelay()), () -> submit(t, t.liveness, SelfProbing.Purpose.LIVENESS));
      }
      if (t.readiness != null) {
        timer.scheduleAt(started.plus(t.readiness.initialDelay()), () -> submit(t, t.readiness, SelfProbing.Purpose.READINESS));
      }
      byService.compute(service, (k, ids) -> { // atomic with removal of the service's last id
        java.util.Set<String> set = ids == null ? ConcurrentHashMap.newKeySet() : ids;
        set.add(id);
        return set;
      });
      return t;
    });
  }

  void untrack(String containerId) {
    Tracked t = tracked.remove(containerId);
    if (t != null) {
      t.stopped = true;
      byService.computeIfPresent(t.service, (k, ids) -> { // a deleted service leaves no empty set behind
        ids.remove(containerId);
        return ids.isEmpty() ? null : ids;
      });
    }
  }

  /** Stops probing the service's containers that are not in {@code alive}. */
  void retainOnly(String service, java.util.Set<String> alive) {
    java.util.Set<String> ids = byService.getOrDefault(service, java.util.Set.of());
    for (String id : List.copyOf(ids)) {
      if (!alive.contains(id)) {
        untrack(id);
      }
    }
  }


  /** Whether readiness has been decided at least once (always true without a readiness check). */
  boolean hasVerdict(String containerId) {
    Tracked t = tracked.get(containerId);
    if (t == null) {
      return false;
    }
    synchronized (t) {
      return t.verdict;
    }
  }

  /** Ready: its readiness check passed (or it has none). False for untracked containers. */
  boolean ready(String containerId) {
    Tracked t = tracked.get(containerId);
    if (t == null) {
      return false;
    }
    synchronized (t) {
      return t.ready && !t.livenessFailed;
    }
  }

  boolean livenessFailed(String containerId) {
    Tracked t = tracked.get(containerId);
    if (t == null) {
      return false;
    }
    synchronized (t) {
      return t.livenessFailed;
    }
  }

  /** The last probe failure of the container, empty if none. */
  String lastFailure(String containerId) {
    Tracked t = tracked.get(containerId);
    if (t == null) {
      return "";
    }
    synchronized (t) {
      return t.lastFailure;
    }
  }

  private void submit(Tracked t, HealthCheck check, SelfProbing.Purpose purpose) {
    if (t.stopped) {
      return;
    }
    try {
      pool.execute(() -> probeOnce(t, check, purpose));
    } catch (RejectedExecutionException e) {
      log.debug("probe pool closed; {} no longer probed", t.container.name());
    }
  }

  private void probeOnce(Tracked t, HealthCheck check, SelfProbing.Purpose purpose) {
    if (t.stopped) {
      return;
    }
    String failure;
    try {
      failure = run(t, check, purpose);
    } catch (RuntimeException e) {
      failure = check + " failed: " + e.getMessage();
    }
    boolean changed;
    synchronized (t) {
      changed = record(t, check, purpose, failure);
    }
    if (changed && !t.stopped) {
      onChange.accept(t.service);
    }
    if (!t.stopped) {
      boolean passedOnce;
      synchronized (t) {
        passedOnce = purpose == SelfProbing.Purpose.LIVENESS ? t.livenessPassed : t.wasReady;
      }
      timer.schedule(check.nextInterval(passedOnce), () -> submit(t, check, purpose));
    }
  }

  /** Updates counters; returns whether the verdict changed. Caller holds t's monitor. */
  private static boolean record(Tracked t, HealthCheck check, SelfProbing.Purpose purpose, String failure) {
    boolean ok = failure == null;
    if (!ok) {
      t.lastFailure = failure;
    }
    if (purpose == SelfProbing.Purpose.LIVENESS) {
      t.liveFailures = ok ? 0 : t.liveFailures + 1;
      t.livenessPassed |= ok;
      if (!t.livenessFailed && t.liveFailures >= check.failureThreshold()) {
        t.livenessFailed = true;
        return true;
      }
      return false;
    }
    boolean first = !t.verdict;
    t.verdict = true;
    if (ok) {
      t.readyFailures = 0;
      t.readySuccesses++;
      if (!t.ready && t.readySuccesses >= check.successThreshold()) {
        t.ready = true;
        t.wasReady = true;
        return true;
      }
    } else {
      t.readySuccesses = 0;
      t.readyFailures++;
      if (t.ready && t.readyFailures >= check.failureThreshold()) {
        t.ready = false;
        return true;
      }
    }
    return first;
  }

  /** Runs one probe; returns null when it passes, else why it failed. */
  private String run(Tracked t, HealthCheck check, SelfProbing.Purpose purpose) {
    String id = t.container.id();
    if (t.node.runtime() instanceof SelfProbing self) {
      boolean ok = t.node.call("probe", id, check.timeout(), () -> self.probe(id, check, purpose));
      return ok ? null : check + " did not pass";
    }
    return switch (check.kind()) {
      case EXEC -> {
        ExecResult r = t.node.call("exec probe", id, check.timeout().plusSeconds(1),
            () -> t.node.runtime().exec(id, check.command(), check.timeout()));
        yield r.succeeded() ? null : check + " exited " + r.exitCode();
      }
      case TCP, HTTP -> network(t.container, check);
    };
  }

  private static String network(ContainerInfo c, HealthCheck check) {
    Optional<PublishedPort> port = c.port(check.port());
    if (port.isEmpty()) {
      return check + ": port " + check.port() + " is not published";
    }
    String host = port.get().hostAddress();
    int hostPort = port.get().hostPort();
    int timeoutMs = (int) Math.max(1, check.timeout().toMillis());
    if (check.kind() == HealthCheck.Kind.HTTP) {
      String failure = HttpProbe.get(host, hostPort, check.path(), timeoutMs);
      return failure == null ? null : check + " failed: " + failure;
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, hostPort), timeoutMs);
      return null;
    } catch (IOException e) {
      return check + " at " + host + ":" + hostPort + ": " + e.getMessage();
    }
  }

  @Override
  public void close() {
    tracked.values().forEach(t -> t.stopped = true);
    tracked.clear();
    byService.clear();
  }
}
