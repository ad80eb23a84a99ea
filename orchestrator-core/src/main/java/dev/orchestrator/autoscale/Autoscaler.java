package dev.orchestrator.autoscale;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.time.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link HorizontalAutoscaler} per service on a clock: reads the service's
 * {@link MetricsSource}, decides, applies the count with {@code Orchestrator.scale}, and tells the
 * listeners ({@link AutoscaleEvent}).
 *
 * <pre>{@code
 * try (Autoscaler a = Autoscaler.builder(orchestrator)
 *     .service("web", AutoscalePolicy.builder(Target.cpuUtilization(70)).replicas(2, 20).build(),
 *              RuntimeStatsSource.cpu(orchestrator))
 *     .listener(e -> log.info("{}", e))
 *     .build()) {
 *   a.start();
 *   ...
 * }
 * }</pre>
 *
 * <p>Timing per service: the first decision is made at {@link #start()}, then one every
 * {@code syncPeriod}. With {@code reactImmediately}, the metric is read every {@code samplePeriod}
 * in between and a sample whose decision changes the count is acted on at once (and the sync period
 * restarts from it); other in-between samples are dropped without touching the history. A late
 * wake-up (a clock that jumped) makes one decision at the current time, never a burst.
 *
 * <p>The autoscaler owns the replica count of its services: a count applied by other means is
 * taken as the current count and decided again at the next tick. A service that is not declared
 * is skipped until it is.
 *
 * <p>Threads: one thread ({@code autoscaler}) that this class owns runs every read, decision,
 * scale and listener call, in order. The per-service state (history, time of the last decision, next
 * tick) is confined to it; the lock guards {@code started}, the clock registration and the wake-up
 * condition; {@code applyLock} makes {@link #close()} wait for a scale in progress. With a {@link ManualClock} the thread wakes as soon as the clock is advanced; with a
 * real clock it re-checks at least every 100 ms. Listeners must be quick; an exception from one is
 * logged and dropped.
 */
public final class Autoscaler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Autoscaler.class);
  private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** Receives every {@link AutoscaleEvent}, on the autoscaler's thread. */
  @FunctionalInterface
  public interface Listener {
    void onDecision(AutoscaleEvent event);
  }

  private final Scalable target;
  private final Clock clock;
  private final List<Listener> listeners;
  private final List<ServiceState> services;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final Object applyLock = new Object();
  private final Thread thread;
  private Runnable unregister = () -> {};
  private boolean started;
  private volatile boolean closed;
  private volatile Instant evaluatedUpTo = Instant.MIN;

  /** One autoscaled service; touched only by the autoscaler thread once started. */
  private static final class ServiceState {
    final String name;
    final HorizontalAutoscaler hpa;
    final MetricsSource source;
    ScalingHistory history = ScalingHistory.empty();
    Instant lastDecision;
    Instant nextTick;

    ServiceState(String name, AutoscalePolicy policy, MetricsSource source) {
      this.name = name;
      this.hpa = new HorizontalAutoscaler(policy);
      this.source = source;
    }
  }

  private Autoscaler(Builder b) {
    this.target = b.target;
    this.clock = b.clock;
    this.listeners = List.copyOf(b.listeners);
    this.services = b.services.entrySet().stream().map(e -> new ServiceState(e.getKey(), e.getValue().policy(), e.getValue().source())).toList();
    this.thread = new Thread(this::loop, "autoscaler");
    thread.setDaemon(true);
  }

  /** Autoscales services of {@code orchestrator}. */
  public static Builder builder(Orchestrator orchestrator) {
    return new Builder(Scalable.of(Objects.requireNonNull(orchestrator, "orchestrator")));
  }

  static Builder builder(Scalable target) {
    return new Builder(target);
  }

  /** Makes the first decision for every service now, then keeps deciding until {@link #close()}. */
  public void start() {
    lock.lock();
    try {
      if (started || closed) {
        throw new IllegalStateException(closed ? "the autoscaler is closed" : "the autoscaler is already started");
      }
      started = true;
      Instant now = clock.instant();
      services.forEach(s -> s.nextTick = now);
      if (clock instanceof ManualClock manual) {
        unregister = manual.onAdvance(this::signal);
      }
    } finally {
      lock.unlock();
    }
    thread.start();
  }

  /** Every tick due at or before this instant has been handled (for tests on a manual clock). */
  Instant evaluatedUpTo() {
    return evaluatedUpTo;
  }

  /**
   * Stops deciding. A decision in progress finishes its metric read but applies nothing after
   * this returns. Closing twice is harmless.
   */
  @Override
  public void close() {
    Runnable registration;
    lock.lock();
    try {
      closed = true;
      wake.signalAll();
      registration = unregister;
    } finally {
      lock.unlock();
    }
    registration.run();
    thread.interrupt();
    synchronized (applyLock) {
      // waits for a scale in progress: nothing is applied once close() has returned
    }
  }

  private void signal() {
    lock.lock();
    try {
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    while (true) {
      Instant now;
      lock.lock();
      try {
        while (true) {
          if (closed) {
            return;
          }
          now = clock.instant();
          Instant next = services.stream().map(s -> s.nextTick).min(Instant::compareTo).orElse(Instant.MAX);
          if (!next.isAfter(now)) {
            break;
          }
          evaluatedUpTo = now;
          long until = next.equals(Instant.MAX) ? MAX_WAIT_NANOS : Duration.between(now, next).toNanos();
          wake.awaitNanos(Math.max(1, Math.min(MAX_WAIT_NANOS, until)));
        }
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      for (ServiceState s : services) {
        if (!s.nextTick.isAfter(now)) {
          try {
            tick(s, now);
          } catch (RuntimeException e) {
            log.warn("autoscaling {} failed; retrying at the next tick", s.name, e);
          }
        }
      }
    }
  }

  private void tick(ServiceState s, Instant now) {
    AutoscalePolicy policy = s.hpa.policy();
    s.nextTick = now.plus(policy.samplePeriod());
    Optional<ServiceSpec> spec = target.spec(s.name);
    if (spec.isEmpty()) {
      log.debug("service {} is not declared; nothing to autoscale", s.name);
      return;
    }
    int current = spec.get().replicas();
    String error = "";
    MetricSample sample;
    try {
      sample = s.source.read(s.name);
    } catch (RuntimeException e) {
      error = "metrics: " + e.getMessage();
      sample = MetricSample.none();
    }
    Decision d;
    try {
      d = s.hpa.decide(current, sample, spec.get().resources(), now, s.history);
    } catch (IllegalArgumentException e) {
      log.warn("cannot autoscale {}: {}", s.name, e.getMessage());
      return;
    }
    boolean regular = s.lastDecision == null || !now.isBefore(s.lastDecision.plus(policy.syncPeriod()));
    if (!regular && !(policy.reactImmediately() && d.scales())) {
      return;
    }
    s.lastDecision = now;
    s.history = d.history();
    boolean applied = false;
    if (d.scales()) {
      try {
        applied = apply(s.name, d.desiredReplicas());
        if (applied) {
          s.history = s.history.withScale(now, current, d.desiredReplicas());
        }
      } catch (RuntimeException e) {
        error = "scale: " + e.getMessage();
      }
    }
    publish(new AutoscaleEvent(now, s.name, d, applied, error));
  }

  private boolean apply(String service, int replicas) {
    synchronized (applyLock) {
      if (closed) {
        return false;
      }
      target.scale(service, replicas);
      return true;
    }
  }

  private void publish(AutoscaleEvent event) {
    log.debug("{}", event);
    for (Listener l : listeners) {
      try {
        l.onDecision(event);
      } catch (RuntimeException e) {
        log.warn("autoscale listener failed on {}", event, e);
      }
    }
  }

  /** Mutable builder; not thread-safe. */
  public static final class Builder {
    private record Entry(AutoscalePolicy policy, MetricsSource source) {}

    private final Scalable target;
    private final Map<String, Entry> services = new LinkedHashMap<>();
    private final List<Listener> listeners = new ArrayList<>();
    private Clock clock = Clock.systemUTC();

    private Builder(Scalable target) {
      this.target = target;
    }

    /** Autoscales {@code service} by {@code policy} on what {@code source} reads; once per service. */
    public Builder service(String service, AutoscalePolicy policy, MetricsSource source) {
      Objects.requireNonNull(service, "service");
      if (services.putIfAbsent(service, new Entry(Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(source, "source"))) != null) {
        throw new IllegalArgumentException("service '" + service + "' is autoscaled twice");
      }
      return this;
    }

    /** The clock of every tick and decision (default: system UTC; the orchestrator's in tests). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public Builder listener(Listener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** An autoscaler that does nothing until {@link Autoscaler#start()}. */
    public Autoscaler build() {
      if (services.isEmpty()) {
        throw new IllegalArgumentException("an autoscaler needs at least one service");
      }
      return new Autoscaler(this);
    }
  }
}
