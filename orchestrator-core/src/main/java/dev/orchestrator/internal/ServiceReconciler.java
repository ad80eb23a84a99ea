package dev.orchestrator.internal;

import dev.orchestrator.ReplicaState;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.reconcile.ReconcileResult;
import dev.orchestrator.reconcile.Reconciler;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import dev.orchestrator.scheduling.Placement;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * then scales, heals, rolls outdated replicas out per the update policy ({@link RolloutPlanner},
 * {@link Rollout}), publishes ready replicas and
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
  private final RolloutPlanner planner;
  private final RolloutSteps steps;
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
    this.planner = new RolloutPlanner(prober);
    this.steps = new RolloutSteps(ops, prober, slots, planner);
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
    String outdatedHash = "";
    for (Cluster.Observed o : observation.containers()) {
      int slot = o.slot();
      if (slot < 0 || slot >= spec.replicas()) {
        extra.add(o);
      } else {
        bySlot.computeIfAbsent(slot, k -> new ArrayList<>()).add(o);
        if (o.container().running()) {
          alive.add(o.container().id());
          prober.track(o.node(), o.container(), spec.name(), spec.liveness(), spec.readiness());
        }
      }
      if (!o.current(spec) && o.specHash() != null) {
        outdatedHash = o.specHash();
      }
    }
    prober.retainOnly(spec.name(), alive);
    Instant now = clock.instant();
    steps.observeReadiness(book, alive, now);
    book.rollout.begin(spec, outdatedHash, events, now);
    RuntimeException failure = null;
    extra.sort(Comparator.comparingInt(Cluster.Observed::slot).reversed());
    for (Cluster.Observed o : extra) {
      try {
        ops.remove(o.node(), o.container(), book.slots.get(o.slot()), spec.stopGracePeriod(), "scaled down");
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    List<RolloutPlanner.SlotView> views = new ArrayList<>();
    for (int slot = 0; slot < spec.replicas(); slot++) {
      views.add(RolloutPlanner.view(spec, slot, bySlot.getOrDefault(slot, List.of())));
    }
    steps.countExits(spec, book, views);
    if (book.rollout.actOnFailures(spec, desired, events, now)) {
      if (failure != null) {
        throw failure;
      }
      return ReconcileResult.requeueAfter(Duration.ZERO); // the last fully-ready spec is declared again
    }
    // a node that did not answer may hold a slot's new container already: replace nothing until it answers
    boolean active = book.rollout.active() && observation.uncertain().isEmpty();
    RolloutPlanner.Plan plan = planner.plan(spec, views, active, book.readySince, now);
    Pass pass = new Pass(spec, book, plan, now);
    if (plan.recheckIn() != null) {
      pass.result = pass.result.sooner(ReconcileResult.requeueAfter(plan.recheckIn()));
    }
    for (RolloutPlanner.SlotView view : views) {
      MDC.put("replica", ReplicaOps.replicaName(spec.name(), view.slot()));
      try {
        slot(pass, book.slot(view.slot()), view, observation.uncertain());
      } catch (RuntimeException e) {
        book.slot(view.slot()).lastError = e.getMessage();
        failure = failure == null ? e : failure;
      }
    }
    MDC.remove("replica");
    if (!pass.missing.isEmpty()) {
      try {
        teardown.ensureNetworksAndVolumes(spec, pass.missing.stream().map(Placer.Want::slot).toList());
        pass.result = pass.result.sooner(create(spec, book, pass.missing, pass.surging, observation.unavailable()));
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    for (Cluster.Observed dead : pass.replaced) { // after their replacements' creates: see SlotHandler.Next.REPLACE
      try {
        ops.remove(dead.node(), dead.container(), book.slot(dead.slot()), spec.stopGracePeriod(),
            "restarting after failure");
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure; // the next pass removes it as the slot's older duplicate
      }
    }
    pass.result = pass.result.sooner(book.rollout.end(spec, plan.counts(), desired, events, clock.instant()));
    if (failure != null) {
      throw failure;
    }
    return pass.result;
  }

  /** State of one pass over a service's slots. */
  private static final class Pass {
    final ServiceSpec spec;
    final ServiceBook book;
    final RolloutPlanner.Plan plan;
    final Instant now;
    final List<Placer.Want> missing = new ArrayList<>();
    /** Slots whose new container starts next to the outdated one (start-first). */
    final Set<Integer> surging = new HashSet<>();
    /** Exited containers whose replacements this pass creates; removed after the creates. */
    final List<Cluster.Observed> replaced = new ArrayList<>();
    ReconcileResult result = ReconcileResult.done();

    Pass(ServiceSpec spec, ServiceBook book, RolloutPlanner.Plan plan, Instant now) {
      this.spec = spec;
      this.book = book;
      this.plan = plan;
      this.now = now;
    }
  }

  private void slot(Pass pass, ServiceBook.SlotRecord rec, RolloutPlanner.SlotView view, Set<String> uncertain) {
    ServiceSpec spec = pass.spec;
    for (Cluster.Observed o : view.containers()) {
      rec.generation = Math.max(rec.generation, o.generation());
      if (o.node().name().equals(rec.pinnedNode)) {
        rec.pinnedNode = "";
      }
    }
    for (Cluster.Observed dup : view.duplicates()) {
      ops.remove(dup.node(), dup.container(), rec, spec.stopGracePeriod(), "duplicate of slot " + rec.slot);
    }
    Cluster.Observed keep = view.keep();
    if (keep == null) {
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
    if (view.partner() != null) {
      pass.result = pass.result.sooner(steps.handOver(spec, pass.book, pass.now, rec, keep, view.partner()));
      return;
    }
    ContainerInfo c = keep.container();
    boolean current = keep.current(spec);
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
        pass.replaced.add(keep);
      }
      pass.result = pass.result.sooner(after[0]);
      return;
    }
    if (!current) {
      RolloutPlanner.Step step = pass.plan.step(rec.slot);
      if (step == RolloutPlanner.Step.STOP_FIRST) {
        ops.remove(keep.node(), c, rec, spec.stopGracePeriod(), "spec changed to " + spec.specHash());
        rec.restarts = 0;
        pass.missing.add(want(spec, rec));
        rec.status = slots.status(spec, rec, ReplicaState.PENDING, null, "");
        return;
      }
      if (step == RolloutPlanner.Step.START_FIRST) {
        pass.missing.add(want(spec, rec));
        pass.surging.add(rec.slot);
      }
    }
    Cluster.Observed live = c.state() == ContainerState.CREATED ? new Cluster.Observed(keep.node(), startCreated(spec, rec, keep)) : keep;
    pass.result = pass.result.sooner(slots.running(spec, rec, live));
    if (current) {
      pass.result = pass.result.sooner(steps.checkProgress(spec, pass.book, pass.now, rec, live));
    }
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
  private ReconcileResult create(ServiceSpec spec, ServiceBook book, List<Placer.Want> missing, Set<Integer> surging,
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
        result = result.sooner(ReconcileResult.requeueAfter(UNSCHEDULABLE_RETRY));
        if (surging.contains(w.slot())) {
          continue; // no room for an extra container: the outdated one keeps serving the slot
        }
        rec.status = slots.status(spec, rec, ReplicaState.UNSCHEDULABLE, null, diagnosis);
        result = result.sooner(ReconcileResult.requeueAfter(UNSCHEDULABLE_RETRY));
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
        if (surging.contains(w.slot())) {
          continue; // the outdated container keeps the slot's status and endpoint until this one is available
        }
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
