package dev.orchestrator.internal;

import dev.orchestrator.ReplicaState;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.reconcile.ReconcileResult;
import dev.orchestrator.reconcile.Reconciler;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import dev.orchestrator.scheduling.Placement;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Level-triggered reconciliation of one service: reads the declaration and what the nodes run,
 * then scales, heals, replaces outdated replicas one at a time, publishes ready replicas and
 * withdraws the rest. One slot's failure does not stop the others; the first failure is rethrown
 * at the end so that the loop retries the service with backoff. Deleted services and orphans are
 * torn down by {@link Teardown}.
 */
final class ServiceReconciler implements Reconciler<String> {
  private static final Logger log = LoggerFactory.getLogger(ServiceReconciler.class);
  static final Duration UNSCHEDULABLE_RETRY = Duration.ofSeconds(30);
  static final Duration UNCERTAIN_RETRY = Duration.ofSeconds(1);

  private final Cluster cluster;
  private final DesiredState desired;
  private final Placer placer;
  private final ReplicaOps ops;
  private final HealthProber prober;
  private final SlotHandler slots;
  private final EventBus events;
  private final OrchestratorMetrics metrics;
  private final Teardown teardown;
  private final Clock clock;
  private final Executor creators;
  private final Map<String, ServiceBook> books = new ConcurrentHashMap<>();
  private final Evictions evictions;

  ServiceReconciler(Cluster cluster, DesiredState desired, Placer placer, ReplicaOps ops, HealthProber prober,
      EventBus events, OrchestratorMetrics metrics, Teardown teardown, Clock clock, Executor creators) {
    this.cluster = cluster;
    this.desired = desired;
    this.placer = placer;
    this.ops = ops;
    this.prober = prober;
    this.slots = new SlotHandler(ops, prober, events, metrics, clock);
    this.events = events;
    this.metrics = metrics;
    this.teardown = teardown;
    this.clock = clock;
    this.creators = creators;
    this.evictions = new Evictions(cluster, desired, placer, ops);
  }

  Map<String, ServiceBook> books() {
    return books;
  }

  @Override
  public ReconcileResult reconcile(String service) {
    MDC.put("service", service);
    try {
      ServiceSpec spec = desired.service(service);
      ServiceBook book = books.computeIfAbsent(service, ServiceBook::new);
      Cluster.Observation observed = cluster.observe(service);
      if (spec == null) {
        ReconcileResult r = teardown.run(service, book, observed.containers());
        if (r.requeueAfter().isEmpty() && desired.service(service) == null) {
          books.remove(service);
        }
        return r;
      }
      book.lastSpec = spec;
      try {
        teardown.ensureNetworksAndVolumes(spec);
        return converge(spec, book, observed);
      } finally {
        book.publish(spec, "");
      }
    } finally {
      MDC.remove("service");
      MDC.remove("replica");
    }
  }

  private ReconcileResult converge(ServiceSpec spec, ServiceBook book, Cluster.Observation observation) {
    Map<Integer, List<Cluster.Observed>> bySlot = new TreeMap<>();
    List<Cluster.Observed> extra = new ArrayList<>();
    Set<String> alive = new HashSet<>();
    for (Cluster.Observed o : observation.containers()) {
      int slot = ReplicaOps.slotOf(o.container());
      if (slot < 0 || slot >= spec.replicas()) {
        extra.add(o);
      } else {
        bySlot.computeIfAbsent(slot, k -> new ArrayList<>()).add(o);
        if (o.container().running()) {
          alive.add(o.container().id());
          prober.track(o.node(), o.container(), spec.name(), spec.liveness(), spec.readiness());
        }
      }
    }
    prober.retainOnly(spec.name(), alive);
    RuntimeException failure = null;
    extra.sort(Comparator.comparingInt((Cluster.Observed o) -> ReplicaOps.slotOf(o.container())).reversed());
    for (Cluster.Observed o : extra) {
      try {
        ops.remove(o.node(), o.container(), book.slots.get(ReplicaOps.slotOf(o.container())), spec.stopGracePeriod(), "scaled down");
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    int unavailable = 0;
    for (int slot = 0; slot < spec.replicas(); slot++) {
      boolean serving = bySlot.getOrDefault(slot, List.of()).stream()
          .anyMatch(o -> o.container().running() && prober.ready(o.container().id()));
      unavailable += serving ? 0 : 1;
    }
    Pass pass = new Pass(spec, book, unavailable);
    for (int slot = 0; slot < spec.replicas(); slot++) {
      MDC.put("replica", ReplicaOps.replicaName(spec.name(), slot));
      try {
        slot(pass, book.slot(slot), bySlot.getOrDefault(slot, List.of()), observation.uncertain());
      } catch (RuntimeException e) {
        book.slot(slot).lastError = e.getMessage();
        failure = failure == null ? e : failure;
      }
    }
    MDC.remove("replica");
    if (!pass.missing.isEmpty()) {
      try {
        pass.result = pass.result.sooner(create(spec, book, pass.missing, observation.unavailable()));
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
    return pass.result;
  }

  /** State of one pass over a service's slots. */
  private static final class Pass {
    final ServiceSpec spec;
    final ServiceBook book;
    final List<Placer.Want> missing = new ArrayList<>();
    int unavailable;
    boolean replacing;
    ReconcileResult result = ReconcileResult.done();

    Pass(ServiceSpec spec, ServiceBook book, int unavailable) {
      this.spec = spec;
      this.book = book;
      this.unavailable = unavailable;
    }
  }

  private void slot(Pass pass, ServiceBook.SlotRecord rec, List<Cluster.Observed> found, Set<String> uncertain) {
    ServiceSpec spec = pass.spec;
    List<Cluster.Observed> candidates = new ArrayList<>(found);
    candidates.sort(Comparator.comparing((Cluster.Observed o) -> !o.container().running())
        .thenComparing(o -> !spec.specHash().equals(o.container().label(OwnerLabels.SPEC_HASH)))
        .thenComparing(o -> -ReplicaOps.generationOf(o.container())));
    for (Cluster.Observed o : candidates) {
      rec.generation = Math.max(rec.generation, ReplicaOps.generationOf(o.container()));
      if (o.node().name().equals(rec.pinnedNode)) {
        rec.pinnedNode = "";
      }
    }
    for (Cluster.Observed dup : candidates.subList(Math.min(1, candidates.size()), candidates.size())) {
      ops.remove(dup.node(), dup.container(), rec, spec.stopGracePeriod(), "duplicate of slot " + rec.slot);
    }
    if (candidates.isEmpty()) {
      slots.lost(spec, rec, "container lost");
      if (!uncertain.isEmpty()) {
        rec.status = slots.status(spec, rec, ReplicaState.PENDING, null, "waiting for nodes " + uncertain + " to answer");
        pass.result = pass.result.sooner(ReconcileResult.requeueAfter(UNCERTAIN_RETRY));
        return;
      }
      pass.missing.add(want(spec, rec));
      rec.status = slots.status(spec, rec, ReplicaState.PENDING, null, "");
      return;
    }
    Cluster.Observed keep = candidates.get(0);
    ContainerInfo c = keep.container();
    boolean current = spec.specHash().equals(c.label(OwnerLabels.SPEC_HASH));
    if (c.state() == ContainerState.EXITED) {
      if (!current) {
        ops.remove(keep.node(), c, rec, spec.stopGracePeriod(), "spec changed to " + spec.specHash());
        rec.restarts = 0;
        pass.missing.add(want(spec, rec));
        return;
      }
      ReconcileResult[] after = {ReconcileResult.done()};
      if (slots.exited(spec, rec, keep, after) == SlotHandler.Next.REPLACE) {
        pass.missing.add(want(spec, rec));
      }
      pass.result = pass.result.sooner(after[0]);
      return;
    }
    if (!current && replaceOutdated(pass, rec, keep)) {
      return;
    }
    if (c.state() == ContainerState.CREATED) {
      c = startCreated(spec, rec, keep);
    }
    pass.result = pass.result.sooner(slots.running(spec, rec, new Cluster.Observed(keep.node(), c)));
  }

  /**
   * Replaces a container running an older spec when it is not ready, or when every other slot
   * is serving (one at a time). Returns false when it is kept for now.
   */
  private boolean replaceOutdated(Pass pass, ServiceBook.SlotRecord rec, Cluster.Observed keep) {
    ContainerInfo c = keep.container();
    if (c.running() && !prober.hasVerdict(c.id())) {
      return false;
    }
    boolean ready = c.running() && prober.ready(c.id());
    if (ready && (pass.unavailable > 0 || pass.replacing)) {
      return false;
    }
    ops.remove(keep.node(), c, rec, pass.spec.stopGracePeriod(), "spec changed to " + pass.spec.specHash());
    if (ready) {
      pass.replacing = true;
      pass.unavailable++;
    }
    rec.restarts = 0;
    pass.missing.add(want(pass.spec, rec));
    rec.status = slots.status(pass.spec, rec, ReplicaState.PENDING, null, "");
    return true;
  }

  /** Starts a container left created; one that cannot start is removed so that the slot is placed anew. */
  private ContainerInfo startCreated(ServiceSpec spec, ServiceBook.SlotRecord rec, Cluster.Observed keep) {
    ContainerInfo c = keep.container();
    try {
      ops.start(keep.node(), c);
      ContainerInfo started = keep.node().call("inspect", c.id(), () -> keep.node().runtime().inspect(c.id()))
          .orElseThrow(() -> new ContainerRuntimeException(keep.node().name(), c.id(), "container " + c.id() + " vanished after start"));
      events.publish(new OrchestratorEvent.ReplicaStarted(clock.instant(), spec.name(),
          ReplicaOps.replicaName(spec.name(), rec.slot), keep.node().name(), c.id()));
      return started;
    } catch (RuntimeException e) {
      try {
        ops.remove(keep.node(), c, rec, Duration.ZERO, "could not start: " + e.getMessage());
      } catch (RuntimeException removal) {
        e.addSuppressed(removal);
      }
      throw e;
    }
  }

  private Placer.Want want(ServiceSpec spec, ServiceBook.SlotRecord rec) {
    return new Placer.Want(rec.slot, ops.containerName(spec.name(), rec.slot, rec.generation + 1), rec.pinnedNode);
  }

  /**
   * Places the missing slots, then creates and starts their containers in parallel on the
   * creator pool (each one's engine calls bounded by the call timeout), and books the outcomes in
   * slot order on this worker thread.
   */
  private ReconcileResult create(ServiceSpec spec, ServiceBook book, List<Placer.Want> missing, Set<String> unobserved) {
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
        result = result.sooner(ReconcileResult.requeueAfter(UNCERTAIN_RETRY));
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
        rec.status = slots.status(spec, rec, ReplicaState.UNSCHEDULABLE, null, diagnosis);
        result = result.sooner(ReconcileResult.requeueAfter(UNSCHEDULABLE_RETRY));
        continue;
      }
      rec.unschedulable = "";
      Node node = cluster.node(p.node().get());
      long generation = rec.generation + 1;
      int restarts = rec.restarts;
      started.add(CompletableFuture.supplyAsync(() -> {
        if (mdc != null) {
          MDC.setContextMap(mdc);
        }
        MDC.put("replica", replica);
        try {
          return ops.createAndStart(node, spec, w.slot(), generation, restarts);
        } finally {
          MDC.clear();
        }
      }, creators));
    }
    RuntimeException firstFailure = null;
    for (int i = 0; i < missing.size(); i++) {
      if (started.get(i) == null) {
        continue;
      }
      Placer.Want w = missing.get(i);
      ServiceBook.SlotRecord rec = book.slot(w.slot());
      Node node = cluster.node(placements.get(i).node().get());
      long generation = rec.generation + 1;
      MDC.put("replica", ReplicaOps.replicaName(spec.name(), w.slot()));
      try {
        ContainerInfo c = join(started.get(i));
        rec.generation = generation;
        rec.pinnedNode = "";
        rec.status = slots.status(spec, rec, ReplicaState.STARTING, new Cluster.Observed(node, c), "");
        if (c.running()) {
          result = result.sooner(slots.running(spec, rec, new Cluster.Observed(node, c)));
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
    if (firstFailure != null) {
      throw firstFailure;
    }
    return result;
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
