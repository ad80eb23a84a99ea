package dev.orchestrator.internal;

import dev.orchestrator.ReplicaState;
import dev.orchestrator.Subscription;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.reconcile.ReconcileResult;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import dev.orchestrator.scheduling.Placement;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The missing replicas of one pass: placed, then created and started in parallel on the creator
 * pool (each node bounded by its start permits, each engine call by the call timeout), booked as
 * each start completes, and published as soon as their readiness passes, while the pass still
 * waits for the other starts, instead of by the pass after the last start. The pass sleeps until a
 * start completes or a verdict of the service changes (signalled by the creator threads and the
 * prober through one semaphore of the pass), at most {@link #WAKE_FALLBACK}. Called only by the
 * worker reconciling the service, which owns the service's book.
 */
final class ReplicaStarts {
  private static final Logger log = LoggerFactory.getLogger(ReplicaStarts.class);
  /** How long a pass waiting for its starts sleeps at most without a signal (none is lost; a safety net). */
  static final Duration WAKE_FALLBACK = Duration.ofMillis(250);
  /** How long a pass waits at most for the first readiness verdicts of the replicas it started. */
  static final Duration FIRST_VERDICT_WAIT = Duration.ofMillis(25);

  private final Cluster cluster;
  private final Placer placer;
  private final Evictions evictions;
  private final ReplicaOps ops;
  private final HealthProber prober;
  private final SlotHandler slots;
  private final EventBus events;
  private final OrchestratorMetrics metrics;
  private final Clock clock;
  private final Executor creators;

  ReplicaStarts(Cluster cluster, Placer placer, Evictions evictions, ReplicaOps ops, HealthProber prober, SlotHandler slots,
      EventBus events, OrchestratorMetrics metrics, Clock clock, Executor creators) {
    this.cluster = cluster;
    this.placer = placer;
    this.evictions = evictions;
    this.ops = ops;
    this.prober = prober;
    this.slots = slots;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
    this.creators = creators;
  }

  /**
   * Places the missing slots, then creates and starts their containers in parallel on the
   * creator pool, books each outcome on this worker thread as it completes, and meanwhile
   * publishes the started replicas whose readiness passed.
   */
  ReconcileResult create(ServiceSpec spec, ServiceBook book, List<Placer.Want> missing, Set<Integer> surging,
      Set<String> unobserved) {
    Placer.Result placed = placer.place(spec, missing, unobserved);
    List<Placement> placements = placed.placements();
    Set<Integer> unevicted = evictions.evict(spec, missing, placed.preemptions());
    ReconcileResult result = ReconcileResult.done();
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    List<CompletableFuture<ContainerInfo>> started = new ArrayList<>();
    for (int i = 0; i < missing.size(); i++) {
      Placer.Want w = missing.get(i);
      Placement p = placements.get(i);
      ServiceBook.SlotRecord rec = book.slot(w.slot());
      String replica = ReplicaOps.replicaName(spec.name(), w.slot());
      if (unevicted.contains(i)) {
        started.add(null);
        result = result.sooner(ReconcileResult.requeueAfter(ServiceReconciler.UNCERTAIN_RETRY));
        continue;
      }
      if (!p.placed()) {
        started.add(null);
        String diagnosis = p.diagnosis();
        if (!diagnosis.equals(rec.unschedulable)) {
          rec.unschedulable = diagnosis;
          metrics.unschedulable(spec.name());
          log.warn("{} fits no node: {}", replica, diagnosis);
          events.publish(new OrchestratorEvent.ReplicaUnschedulable(clock.instant(), spec.name(), replica, diagnosis));
        }
        result = result.sooner(ReconcileResult.requeueAfter(ServiceReconciler.UNSCHEDULABLE_RETRY));
        if (surging.contains(w.slot())) {
          continue; // no room for an extra container: the outdated one keeps serving the slot
        }
        rec.status = slots.status(spec, rec, ReplicaState.UNSCHEDULABLE, null, diagnosis);
        continue;
      }
      rec.unschedulable = "";
      Node node = cluster.node(p.node().get());
      long generation = rec.generation + 1;
      int restarts = surging.contains(w.slot()) ? 0 : rec.restarts;
      started.add(CompletableFuture.supplyAsync(() -> {
        if (mdc != null) {
          MDC.setContextMap(mdc);
        }
        MDC.put("replica", replica);
        try {
          return node.starting(replica, () -> ops.createAndStart(node, spec, w.slot(), generation, restarts));
        } finally {
          MDC.clear();
        }
      }, creators));
    }
    Semaphore wake = new Semaphore(0); // released by each completed start and each changed verdict of the service
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < missing.size(); i++) {
      if (started.get(i) != null) {
        pending.add(i);
        started.get(i).whenComplete((c, t) -> wake.release());
      }
    }
    try (Subscription verdicts = prober.onVerdicts(spec.name(), wake::release)) {
      return bookStarts(spec, book, missing, placements, surging, started, pending, wake, result);
    }
  }

  /** Books each start as it completes and publishes the ready replicas meanwhile; then waits briefly for first verdicts. */
  private ReconcileResult bookStarts(ServiceSpec spec, ServiceBook book, List<Placer.Want> missing, List<Placement> placements,
      Set<Integer> surging, List<CompletableFuture<ContainerInfo>> started, List<Integer> pending, Semaphore wake,
      ReconcileResult result) {
    RuntimeException firstFailure = null;
    List<Cluster.Observed> running = new ArrayList<>(); // started by this pass, published once ready
    while (!pending.isEmpty()) {
      for (Iterator<Integer> it = pending.iterator(); it.hasNext(); ) {
        int i = it.next();
        if (!started.get(i).isDone()) {
          continue;
        }
        it.remove();
        Placer.Want w = missing.get(i);
        ServiceBook.SlotRecord rec = book.slot(w.slot());
        Node node = cluster.node(placements.get(i).node().get());
        long generation = rec.generation + 1;
        MDC.put("replica", ReplicaOps.replicaName(spec.name(), w.slot()));
        try {
          ContainerInfo c = join(started.get(i));
          rec.generation = generation;
          rec.pinnedNode = "";
          if (surging.contains(w.slot())) {
            continue; // the outdated container keeps the slot's status and endpoint until this one is available
          }
          Cluster.Observed o = new Cluster.Observed(node, c);
          rec.status = slots.status(spec, rec, ReplicaState.STARTING, o, "");
          if (c.running()) {
            result = result.sooner(slots.running(spec, rec, o));
            running.add(o);
          }
        } catch (ReplicaOps.NameTakenException e) {
          placer.release(w.containerName());
          rec.generation = generation; // the next attempt uses the next generation's name
          rec.lastError = e.getMessage();
          firstFailure = firstFailure == null ? e : firstFailure;
        } catch (RuntimeTimeoutException e) {
          rec.pinnedNode = node.name();
          rec.lastError = e.getMessage();
          firstFailure = firstFailure == null ? e : firstFailure;
        } catch (RuntimeException e) {
          placer.release(w.containerName());
          rec.lastError = e.getMessage();
          firstFailure = firstFailure == null ? e : firstFailure;
        }
      }
      MDC.remove("replica");
      result = result.sooner(publishReady(spec, book, running));
      if (!pending.isEmpty()) {
        await(wake, WAKE_FALLBACK.toNanos(), pending.stream().map(started::get).toList());
      }
    }
    if (awaitFirstVerdicts(spec, running, wake)) {
      result = result.sooner(publishReady(spec, book, running));
    }
    if (firstFailure != null) {
      throw firstFailure;
    }
    return result;
  }

  /**
   * A first readiness probe due at start usually answers within milliseconds of it: waits up to
   * {@link #FIRST_VERDICT_WAIT} for those of the replicas this pass started, so that this pass
   * publishes the ready ones instead of a pass queued for it. Returns whether it waited for any.
   */
  private boolean awaitFirstVerdicts(ServiceSpec spec, List<Cluster.Observed> running, Semaphore wake) {
    if (running.isEmpty() || spec.readiness().map(r -> !r.initialDelay().isZero()).orElse(true)) {
      return false;
    }
    long deadline = System.nanoTime() + FIRST_VERDICT_WAIT.toNanos();
    long left;
    while (running.stream().anyMatch(o -> !prober.hasVerdict(o.container().id()))
        && (left = deadline - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted()) {
      await(wake, left, List.of());
    }
    return true;
  }

  /**
   * While the pass still waits for other starts: publishes the replicas it started whose readiness
   * has passed since, as the next pass would, instead of after the pass's last start.
   */
  private ReconcileResult publishReady(ServiceSpec spec, ServiceBook book, List<Cluster.Observed> running) {
    ReconcileResult result = ReconcileResult.done();
    for (Cluster.Observed o : running) {
      ServiceBook.SlotRecord rec = book.slot(o.slot());
      String id = o.container().id();
      if (!rec.readyAnnouncedFor.equals(id) && prober.ready(id)) {
        MDC.put("replica", ReplicaOps.replicaName(spec.name(), rec.slot));
        result = result.sooner(slots.running(spec, rec, o));
        MDC.remove("replica");
      }
    }
    return result;
  }

  /**
   * Sleeps until the pass's semaphore is released (a start completed, a verdict changed) or {@code nanos} pass, then
   * takes every signal given meanwhile. Interrupted, it keeps the flag for the caller and waits for one of the
   * {@code starts} to end (they run to their end as before).
   */
  private static void await(Semaphore wake, long nanos, List<CompletableFuture<ContainerInfo>> starts) {
    try {
      wake.tryAcquire(nanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (!starts.isEmpty()) {
        CompletableFuture.anyOf(starts.toArray(CompletableFuture[]::new)).handle((r, t) -> r).join();
      }
    }
    wake.drainPermits();
  }

  private static ContainerInfo join(CompletableFuture<ContainerInfo> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }
}
