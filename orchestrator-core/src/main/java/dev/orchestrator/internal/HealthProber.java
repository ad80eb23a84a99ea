package dev.orchestrator.internal;

import dev.orchestrator.Subscription;
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
import java.util.Set;
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
 * <p>Each check of a container has exactly one probe chain ({@link Chain}): at any time either one
 * timer task is pending for it or one probe is in flight, never both, never two. A probe, once
 * done, schedules the chain's next probe. {@link #track} of a tracked container with new timings
 * for the same check target (interval, timeout, thresholds, initial delay, start interval: not in
 * the spec hash, so the container is kept) switches the chain in place: a pending probe is moved
 * to the new interval counted from the last probe (never later than now plus the new interval),
 * a first probe not made yet to the new initial delay after start, and a probe in flight finishes
 * with the old timeout and schedules the next one at the new interval.
 * Counts and the ready state carry over and are judged against the new thresholds from the next
 * probe on. Another target, or a check added or removed, changes the spec hash: that container is
 * replaced and keeps its checks meanwhile.
 *
 * <p>Threads: the timer thread only claims a chain's pending task and hands the probe to the
 * bounded probe pool; each probe is bounded by its check's timeout. {@code track} runs on the
 * service's reconcile worker. {@code tracked} and {@code byService} are concurrent maps; a
 * {@link Tracked}'s node, container, service and start are immutable, {@code stopped} is
 * volatile, every other field of it and of its chains is guarded by the {@code Tracked}'s
 * monitor. The timer's lock is never held while taking that monitor (timer tasks run outside it),
 * so scheduling under the monitor cannot deadlock.
 */
final class HealthProber implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthProber.class);
  private final Clock clock;
  private final ClockScheduler timer;
  private final ExecutorService pool;
  private final Consumer<String> onChange;
  /** Service to the passes waiting for its verdicts ({@link #onVerdicts}); each set changed only inside compute. */
  private final Map<String, Set<Runnable>> verdictWaiters = new ConcurrentHashMap<>();
  private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
  /** Service to the ids of its tracked containers, so that a pass touches only its own. */
  private final Map<String, java.util.Set<String>> byService = new ConcurrentHashMap<>();

  HealthProber(Clock clock, ClockScheduler timer, ExecutorService pool, Consumer<String> onChange) {
    this.clock = clock;
    this.timer = timer;
    this.pool = pool;
    this.onChange = onChange;
  }

  /** Probe state of one container; mutable fields (its own and its chains') guarded by this. */
  private final class Tracked {
    final Node node;
    final ContainerInfo container;
    final String service;
    /** When the container started: initial delays count from here. */
    final Instant started;
    final Chain liveness;
    final Chain readiness;
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
      this.started = container.startedAt() != null ? container.startedAt() : clock.instant();
      this.liveness = liveness == null ? null : new Chain(liveness, SelfProbing.Purpose.LIVENESS);
      this.readiness = readiness == null ? null : new Chain(readiness, SelfProbing.Purpose.READINESS);
      this.ready = readiness == null;
      this.verdict = readiness == null;
    }

    boolean passedOnce(Chain chain) {
      return chain.purpose == SelfProbing.Purpose.LIVENESS ? livenessPassed : wasReady;
    }
  }

  /**
   * The probe chain of one check of one container. Guarded by its {@link Tracked}'s monitor:
   * {@code pending} is the token of the one timer task that may start the next probe (null while
   * a probe is in flight), so that a task superseded by a switch of settings finds it no longer
   * holds the chain and does nothing, even if it fired before it could be cancelled.
   */
  private static final class Chain {
    final SelfProbing.Purpose purpose;
    HealthCheck check;
    Object pending;
    ClockScheduler.Task task;
    Instant due;
    /** When the pending probe was scheduled from (the end of the last probe); null before the first. */
    Instant last;

    Chain(HealthCheck check, SelfProbing.Purpose purpose) {
      this.check = check;
      this.purpose = purpose;
    }
  }

  /**
   * Starts probing a running container, or, if it is tracked already, switches its checks to new
   * timings of the same targets. Returns whether it switched any.
   */
  boolean track(Node node, ContainerInfo c, String service, Optional<HealthCheck> liveness, Optional<HealthCheck> readiness) {
    Tracked existing = tracked.get(c.id());
    if (existing != null) {
      return update(existing, liveness.orElse(null), readiness.orElse(null));
    }
    tracked.computeIfAbsent(c.id(), id -> {
      Tracked t = new Tracked(node, c, service, liveness.orElse(null), readiness.orElse(null));
      synchronized (t) {
        for (Chain chain : new Chain[] {t.liveness, t.readiness}) {
          if (chain != null) {
            schedule(t, chain, t.started.plus(chain.check.initialDelay()));
          }
        }
      }
      byService.compute(service, (k, ids) -> { // atomic with removal of the service's last id
        java.util.Set<String> set = ids == null ? ConcurrentHashMap.newKeySet() : ids;
        set.add(id);
        return set;
      });
      return t;
    });
    return false;
  }

  /** A check's target and timings, for a log line. */
  static String describe(Optional<HealthCheck> check) {
    return check.map(c -> c + " every " + c.interval().toMillis() + " ms (start " + c.startInterval().toMillis()
        + " ms), timeout " + c.timeout().toMillis() + " ms, thresholds " + c.successThreshold() + "/"
        + c.failureThreshold() + ", initial delay " + c.initialDelay().toMillis() + " ms").orElse("none");
  }

  private boolean update(Tracked t, HealthCheck liveness, HealthCheck readiness) {
    synchronized (t) {
      boolean switched = false;
      if (switchable(t.liveness, liveness)) {
        switchTo(t, t.liveness, liveness);
        switched = true;
      }
      if (switchable(t.readiness, readiness)) {
        switchTo(t, t.readiness, readiness);
        switched = true;
      }
      return switched;
    }
  }

  /** Same target, other settings: a check added, removed or aimed elsewhere replaces the container instead. */
  private static boolean switchable(Chain chain, HealthCheck next) {
    if (chain == null || next == null || chain.check.equals(next)) {
      return false;
    }
    HealthCheck now = chain.check;
    return now.kind() == next.kind() && now.port() == next.port() && now.path().equals(next.path())
        && now.command().equals(next.command());
  }

  /** Caller holds t's monitor. */
  private void switchTo(Tracked t, Chain chain, HealthCheck next) {
    chain.check = next;
    if (chain.pending == null) {
      return; // a probe is in flight: it schedules the next one with these settings
    }
    Instant now = clock.instant();
    Instant due = chain.last == null ? t.started.plus(next.initialDelay())
        : chain.last.plus(next.nextInterval(t.passedOnce(chain)));
    due = due.isBefore(now) ? now : due;
    if (!due.equals(chain.due)) {
      chain.task.cancel();
      schedule(t, chain, due);
    }
  }

  /** Makes the chain's next probe due at {@code at}. Caller holds t's monitor. */
  private void schedule(Tracked t, Chain chain, Instant at) {
    Object token = new Object();
    chain.pending = token;
    chain.due = at;
    chain.task = timer.scheduleAt(at, () -> fire(t, chain, token));
  }

  /** Timer thread: starts the probe if this task still holds the chain. */
  private void fire(Tracked t, Chain chain, Object token) {
    HealthCheck check;
    synchronized (t) {
      if (t.stopped || chain.pending != token) {
        return;
      }
      chain.pending = null;
      chain.task = null;
      check = chain.check;
    }
    try {
      pool.execute(() -> probeOnce(t, chain, check));
    } catch (RejectedExecutionException e) {
      log.debug("probe pool closed; {} no longer probed", t.container.name());
    }
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

  /** Probe pool: runs one probe with the settings it was started with, records it and schedules the next. */
  private void probeOnce(Tracked t, Chain chain, HealthCheck check) {
    if (t.stopped) {
      return;
    }
    String failure;
    try {
      failure = run(t, check, chain.purpose);
    } catch (RuntimeException e) {
      failure = check + " failed: " + e.getMessage();
    }
    boolean changed;
    synchronized (t) {
      changed = record(t, chain.check, chain.purpose, failure); // thresholds switched meanwhile apply
      if (!t.stopped) {
        Instant now = clock.instant();
        chain.last = now;
        schedule(t, chain, now.plus(chain.check.nextInterval(t.passedOnce(chain))));
      }
    }
    if (changed && !t.stopped) {
      onChange.accept(t.service);
      Set<Runnable> waiting = verdictWaiters.get(t.service);
      if (waiting != null) {
        waiting.forEach(Runnable::run);
      }
    }
  }

  /**
   * Runs {@code wake} on the probing thread after each changed verdict (a first one included) of
   * the service's containers, until the returned subscription is closed: a pass waiting for its
   * starts publishes the ready ones at once instead of polling.
   */
  Subscription onVerdicts(String service, Runnable wake) {
    verdictWaiters.compute(service, (k, set) -> {
      Set<Runnable> out = set == null ? ConcurrentHashMap.newKeySet() : set;
      out.add(wake);
      return out;
    });
    return () -> verdictWaiters.computeIfPresent(service, (k, set) -> {
      set.remove(wake);
      return set.isEmpty() ? null : set;
    });
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
