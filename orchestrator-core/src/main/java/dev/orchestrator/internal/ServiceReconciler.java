package dev.orchestrator.internal;

import dev.orchestrator.ReplicaState;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.reconcile.ReconcileResult;
import dev.orchestrator.reconcile.Reconciler;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.ContainerState;
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
  private final ReplicaOps ops;
  private final HealthProber prober;
  private final SlotHandler slots;
  private final RolloutPlanner planner;
  private final RolloutSteps steps;
  private final EventBus events;
  private final Teardown teardown;
  private final Clock clock;
  private final ReplicaStarts starts;
  private final Map<String, ServiceBook> books = new ConcurrentHashMap<>();

  ServiceReconciler(Cluster cluster, DesiredState desired, Placer placer, ReplicaOps ops, HealthProber prober,
      EventBus events, OrchestratorMetrics metrics, Teardown teardown, Clock clock, Executor creators) {
    this.cluster = cluster;
    this.desired = desired;
    this.ops = ops;
    this.prober = prober;
    this.slots = new SlotHandler(ops, prober, events, metrics, clock);
    this.planner = new RolloutPlanner(prober);
    this.steps = new RolloutSteps(ops, prober, slots, planner);
    this.events = events;
    this.teardown = teardown;
    this.clock = clock;
    this.starts = new ReplicaStarts(cluster, placer, new Evictions(cluster, desired, placer, ops), ops, prober, slots, events,
        metrics, clock, creators);
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
    int switched = 0;
    for (Cluster.Observed o : observation.containers()) {
      int slot = o.slot();
      if (slot < 0 || slot >= spec.replicas()) {
        extra.add(o);
      } else {
        bySlot.computeIfAbsent(slot, k -> new ArrayList<>()).add(o);
        if (o.container().running()) {
          alive.add(o.container().id());
          if (prober.track(o.node(), o.container(), spec.name(), spec.liveness(), spec.readiness())) {
            switched++;
          }
        }
      }
      if (!o.current(spec) && o.specHash() != null) {
        outdatedHash = o.specHash();
      }
    }
    if (switched > 0) { // timings are not in the spec hash: the replicas stay, their probes follow
      log.info("{}: {} running replica(s) switch to new health-check timings: liveness {}, readiness {}", spec.name(), switched,
          HealthProber.describe(spec.liveness()), HealthProber.describe(spec.readiness()));
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
        pass.result = pass.result.sooner(starts.create(spec, book, pass.missing, pass.surging, observation.unavailable()));
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

}
