package dev.orchestrator.internal;

import dev.orchestrator.ReplicaState;
import dev.orchestrator.ReplicaStatus;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.reconcile.ReconcileResult;
import dev.orchestrator.reconcile.Reconciler;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.NodeUnavailableException;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.scheduling.Placement;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Level-triggered reconciliation of one service: reads the declaration and what the nodes run,
 * then scales, heals, replaces outdated replicas one at a time, publishes ready replicas and
 * withdraws the rest. Failed slots restart after their policy's backoff; the pass returns when to
 * look again. Deleted services and orphans are torn down by {@link Teardown}.
 */
final class ServiceReconciler implements Reconciler<String> {
  private static final Logger log = LoggerFactory.getLogger(ServiceReconciler.class);
  static final Duration UNSCHEDULABLE_RETRY = Duration.ofSeconds(30);

  private final Cluster cluster;
  private final DesiredState desired;
  private final Placer placer;
  private final ReplicaOps ops;
  private final HealthProber prober;
  private final EventBus events;
  private final OrchestratorMetrics metrics;
  private final Teardown teardown;
  private final Clock clock;
  private final Map<String, ServiceBook> books = new ConcurrentHashMap<>();

  ServiceReconciler(Cluster cluster, DesiredState desired, Placer placer, ReplicaOps ops, HealthProber prober,
      EventBus events, OrchestratorMetrics metrics, Teardown teardown, Clock clock) {
    this.cluster = cluster;
    this.desired = desired;
    this.placer = placer;
    this.ops = ops;
    this.prober = prober;
    this.events = events;
    this.metrics = metrics;
    this.teardown = teardown;
    this.clock = clock;
  }

  ServiceBook book(String service) {
    return books.computeIfAbsent(service, ServiceBook::new);
  }

  Map<String, ServiceBook> books() {
    return books;
  }

  @Override
  public ReconcileResult reconcile(String service) {
    MDC.put("service", service);
    try {
      ServiceSpec spec = desired.service(service);
      ServiceBook book = book(service);
      List<Cluster.Observed> observed = cluster.observe(service);
      if (spec == null) {
        ReconcileResult r = teardown.run(service, book, observed);
        if (r.requeueAfter().isEmpty()) {
          books.remove(service);
        }
        return r;
      }
      book.lastSpec = spec;
      teardown.ensureNetworksAndVolumes(spec);
      ReconcileResult result = converge(spec, book, observed);
      book.publish(spec, "");
      return result;
    } finally {
      MDC.remove("service");
    }
  }

  private ReconcileResult converge(ServiceSpec spec, ServiceBook book, List<Cluster.Observed> observed) {
    Map<Integer, List<Cluster.Observed>> bySlot = new TreeMap<>();
    List<Cluster.Observed> extra = new ArrayList<>();
    for (Cluster.Observed o : observed) {
      int slot = ReplicaOps.slotOf(o.container());
      if (slot < 0 || slot >= spec.replicas()) {
        extra.add(o);
      } else {
        bySlot.computeIfAbsent(slot, k -> new ArrayList<>()).add(o);
      }
    }
    extra.sort(Comparator.comparingInt((Cluster.Observed o) -> ReplicaOps.slotOf(o.container())).reversed());
    for (Cluster.Observed o : extra) {
      ops.remove(o.node(), o.container(), book.slots.get(ReplicaOps.slotOf(o.container())), spec.stopGracePeriod(), "scaled down");
    }
    int unavailable = 0;
    for (int slot = 0; slot < spec.replicas(); slot++) {
      boolean servingSlot = bySlot.getOrDefault(slot, List.of()).stream()
          .anyMatch(o -> o.container().running() && prober.ready(o.container().id()));
      if (!servingSlot) {
        unavailable++;
      }
    }
    ReconcileResult result = ReconcileResult.done();
    List<Placer.Want> missing = new ArrayList<>();
    Map<Integer, Integer> restartsFor = new HashMap<>();
    boolean replacing = false;
    for (int slot = 0; slot < spec.replicas(); slot++) {
      ServiceBook.SlotRecord rec = book.slot(slot);
      List<Cluster.Observed> candidates = new ArrayList<>(bySlot.getOrDefault(slot, List.of()));
      candidates.sort(Comparator.comparing((Cluster.Observed o) -> !o.container().running())
          .thenComparing(o -> !spec.specHash().equals(o.container().label(OwnerLabels.SPEC_HASH)))
          .thenComparing(o -> -ReplicaOps.generationOf(o.container())));
      for (Cluster.Observed o : candidates) {
        rec.generation = Math.max(rec.generation, ReplicaOps.generationOf(o.container()));
      }
      for (Cluster.Observed dup : candidates.subList(Math.min(1, candidates.size()), candidates.size())) {
        ops.remove(dup.node(), dup.container(), rec, spec.stopGracePeriod(), "duplicate of slot " + slot);
      }
      Cluster.Observed keep = candidates.isEmpty() ? null : candidates.get(0);
      if (keep == null) {
        missing.add(want(spec, rec, ""));
        restartsFor.put(slot, rec.restarts);
        rec.status = status(spec, rec, ReplicaState.PENDING, null, "");
        continue;
      }
      ContainerInfo c = keep.container();
      boolean current = spec.specHash().equals(c.label(OwnerLabels.SPEC_HASH));
      if (c.state() == ContainerState.EXITED) {
        result = result.sooner(exited(spec, rec, keep, current, missing, restartsFor));
        continue;
      }
      if (!current) {
        boolean ready = c.running() && prober.ready(c.id());
        if (!ready || (unavailable == 0 && !replacing)) {
          ops.remove(keep.node(), c, rec, spec.stopGracePeriod(), "spec changed to " + spec.specHash());
          if (ready) {
            replacing = true;
            unavailable++;
          }
          missing.add(want(spec, rec, keep.node().name()));
          restartsFor.put(slot, 0);
          rec.status = status(spec, rec, ReplicaState.PENDING, null, "");
          continue;
        }
      }
      if (c.state() == ContainerState.CREATED) {
        ops.start(keep.node(), c);
        c = keep.node().call("inspect", c.id(), () -> keep.node().runtime().inspect(keep.container().id())).orElse(c);
      }
      result = result.sooner(running(spec, rec, new Cluster.Observed(keep.node(), c)));
    }
    if (!missing.isEmpty()) {
      result = result.sooner(create(spec, book, missing, restartsFor));
    }
    return result;
  }

  private Placer.Want want(ServiceSpec spec, ServiceBook.SlotRecord rec, String preferredNode) {
    return new Placer.Want(rec.slot, ops.containerName(spec.name(), rec.slot, rec.generation + 1), preferredNode);
  }

  private ReconcileResult running(ServiceSpec spec, ServiceBook.SlotRecord rec, Cluster.Observed o) {
    ContainerInfo c = o.container();
    String replica = ReplicaOps.replicaName(spec.name(), rec.slot);
    prober.track(o.node(), c, spec.name(), spec.liveness(), spec.readiness());
    if (prober.livenessFailed(c.id())) {
      rec.livenessFailedFor = c.id();
      ops.deregister(c, rec);
      log.info("{} failed its liveness check: {}", replica, prober.lastFailure(c.id()));
      ops.stop(o.node(), c, spec.stopGracePeriod());
      return ReconcileResult.requeueAfter(Duration.ZERO);
    }
    if (prober.ready(c.id())) {
      if (!rec.registeredContainer.equals(c.id())) {
        ops.register(spec, o.node(), c, rec);
      }
      if (!rec.readyAnnouncedFor.equals(c.id())) {
        rec.readyAnnouncedFor = c.id();
        events.publish(new OrchestratorEvent.ReplicaReady(clock.instant(), spec.name(), replica, o.node().name()));
      }
      rec.status = status(spec, rec, ReplicaState.READY, o, "");
    } else {
      boolean wasReady = rec.readyAnnouncedFor.equals(c.id());
      if (rec.registeredContainer.equals(c.id())) {
        ops.deregister(c, rec);
      }
      String why = prober.lastFailure(c.id());
      if (wasReady) {
        rec.readyAnnouncedFor = "";
        events.publish(new OrchestratorEvent.ReplicaUnready(clock.instant(), spec.name(), replica, why));
      }
      rec.status = status(spec, rec, wasReady || !why.isEmpty() && rec.status != null
          && rec.status.state() == ReplicaState.UNREADY ? ReplicaState.UNREADY : ReplicaState.STARTING, o, why);
    }
    return ReconcileResult.done();
  }

  private ReconcileResult exited(ServiceSpec spec, ServiceBook.SlotRecord rec, Cluster.Observed o, boolean current,
      List<Placer.Want> missing, Map<Integer, Integer> restartsFor) {
    ContainerInfo c = o.container();
    String replica = ReplicaOps.replicaName(spec.name(), rec.slot);
    ops.deregister(c, rec);
    prober.untrack(c.id());
    boolean livenessFailed = c.id().equals(rec.livenessFailedFor);
    boolean failed = livenessFailed || c.exitCode() != 0 || c.oomKilled();
    if (!rec.failureRecordedFor.equals(c.id())) {
      rec.failureRecordedFor = c.id();
      rec.lastExitCode = c.exitCode();
      rec.lastError = livenessFailed ? "liveness check failed" : c.oomKilled() ? "OOM killed" : "exited with code " + c.exitCode();
      rec.readyAnnouncedFor = "";
      List<String> logs = lastLogs(o);
      log.info("{} {}", replica, rec.lastError);
      events.publish(new OrchestratorEvent.ReplicaFailed(clock.instant(), spec.name(), replica, c.exitCode(), c.oomKilled(), rec.lastError, logs));
    }
    if (!current) {
      ops.remove(o.node(), c, rec, spec.stopGracePeriod(), "spec changed to " + spec.specHash());
      missing.add(want(spec, rec, o.node().name()));
      restartsFor.put(rec.slot, 0);
      return ReconcileResult.done();
    }
    RestartPolicy policy = spec.restartPolicy();
    if (!policy.restarts(failed)) {
      rec.status = status(spec, rec, ReplicaState.COMPLETED, o, rec.lastError);
      return ReconcileResult.done();
    }
    int restarts = ReplicaOps.restartsOf(c);
    Instant started = c.startedAt();
    Instant finished = c.finishedAt() != null ? c.finishedAt() : clock.instant();
    if (started != null && Duration.between(started, finished).compareTo(policy.resetAfter()) >= 0) {
      restarts = 0;
    }
    int next = restarts + 1;
    Duration backoff = policy.backoff(next);
    Instant restartAt = finished.plus(backoff);
    Instant now = clock.instant();
    rec.restarts = restarts;
    if (now.isBefore(restartAt)) {
      if (!rec.restartAnnouncedFor.equals(c.id())) {
        rec.restartAnnouncedFor = c.id();
        events.publish(new OrchestratorEvent.ReplicaRestarting(now, spec.name(), replica, next, backoff));
      }
      rec.status = status(spec, rec, ReplicaState.BACKOFF, o, rec.lastError);
      return ReconcileResult.requeueAfter(Duration.between(now, restartAt));
    }
    if (!rec.restartAnnouncedFor.equals(c.id())) {
      rec.restartAnnouncedFor = c.id();
      events.publish(new OrchestratorEvent.ReplicaRestarting(now, spec.name(), replica, next, backoff));
    }
    ops.remove(o.node(), c, rec, spec.stopGracePeriod(), "restarting after failure");
    metrics.restarted(spec.name());
    rec.restarts = next;
    missing.add(want(spec, rec, ""));
    restartsFor.put(rec.slot, next);
    rec.status = status(spec, rec, ReplicaState.PENDING, null, rec.lastError);
    return ReconcileResult.done();
  }

  private List<String> lastLogs(Cluster.Observed o) {
    try {
      return o.node().call("logs", o.container().id(), () -> o.node().runtime().logs(o.container().id(), 20));
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  private ReconcileResult create(ServiceSpec spec, ServiceBook book, List<Placer.Want> missing, Map<Integer, Integer> restartsFor) {
    List<Placement> placements = placer.place(spec, missing);
    ReconcileResult result = ReconcileResult.done();
    RuntimeException firstFailure = null;
    for (int i = 0; i < missing.size(); i++) {
      Placer.Want w = missing.get(i);
      Placement p = placements.get(i);
      ServiceBook.SlotRecord rec = book.slot(w.slot());
      String replica = ReplicaOps.replicaName(spec.name(), w.slot());
      if (!p.placed()) {
        String diagnosis = p.diagnosis();
        if (!diagnosis.equals(rec.unschedulable)) {
          rec.unschedulable = diagnosis;
          metrics.unschedulable(spec.name());
          log.warn("{} fits no node: {}", replica, diagnosis);
          events.publish(new OrchestratorEvent.ReplicaUnschedulable(clock.instant(), spec.name(), replica, diagnosis));
        }
        rec.status = status(spec, rec, ReplicaState.UNSCHEDULABLE, null, diagnosis);
        result = result.sooner(ReconcileResult.requeueAfter(UNSCHEDULABLE_RETRY));
        continue;
      }
      rec.unschedulable = "";
      Node node = cluster.node(p.node().get());
      long generation = rec.generation + 1;
      try {
        ContainerInfo c = ops.createAndStart(node, spec, w.slot(), generation, restartsFor.getOrDefault(w.slot(), 0));
        rec.generation = generation;
        rec.status = status(spec, rec, ReplicaState.STARTING, new Cluster.Observed(node, c), "");
        if (c.running()) {
          result = result.sooner(running(spec, rec, new Cluster.Observed(node, c)));
        }
      } catch (RuntimeException e) {
        placer.release(w.containerName());
        if (e instanceof NodeUnavailableException) {
          rec.generation = generation;
        }
        rec.lastError = e.getMessage();
        if (firstFailure == null) {
          firstFailure = e;
        }
      }
    }
    if (firstFailure != null) {
      throw firstFailure;
    }
    return result;
  }

  private ReplicaStatus status(ServiceSpec spec, ServiceBook.SlotRecord rec, ReplicaState state, Cluster.Observed o, String error) {
    return new ReplicaStatus(ReplicaOps.replicaName(spec.name(), rec.slot), rec.slot, state,
        o == null ? "" : o.node().name(), o == null ? "" : o.container().id(),
        o == null ? "" : String.valueOf(o.container().label(OwnerLabels.SPEC_HASH)),
        rec.restarts, rec.lastExitCode, error == null ? "" : error);
  }
}
