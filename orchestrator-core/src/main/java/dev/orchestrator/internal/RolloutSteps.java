package dev.orchestrator.internal;

import dev.orchestrator.reconcile.ReconcileResult;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The rollout's side of a pass: when each running container became ready (for
 * {@code minReady}), which new replicas failed (crash, liveness, progress deadline), and the
 * hand-over of a slot from an outdated container to the new one started next to it. Called only
 * by the worker reconciling the service.
 */
final class RolloutSteps {
  private final ReplicaOps ops;
  private final HealthProber prober;
  private final SlotHandler slots;
  private final RolloutPlanner planner;

  RolloutSteps(ReplicaOps ops, HealthProber prober, SlotHandler slots, RolloutPlanner planner) {
    this.ops = ops;
    this.prober = prober;
    this.slots = slots;
    this.planner = planner;
  }

  /** Remembers when each running container was first seen ready, and forgets the rest. */
  void observeReadiness(ServiceBook book, Set<String> running, Instant now) {
    book.readySince.keySet().retainAll(running);
    for (String id : running) {
      if (prober.ready(id)) {
        book.readySince.putIfAbsent(id, now);
      } else {
        book.readySince.remove(id);
      }
    }
  }

  /** Counts every container of the declared spec that exited with a failure as a failed new replica. */
  void countExits(ServiceSpec spec, ServiceBook book, List<RolloutPlanner.SlotView> views) {
    for (RolloutPlanner.SlotView view : views) {
      ServiceBook.SlotRecord rec = book.slot(view.slot());
      for (Cluster.Observed o : view.containers()) {
        ContainerInfo c = o.container();
        if (o.current(spec) && failedExit(rec, c)) {
          book.rollout.failed(c.id(), ReplicaOps.replicaName(spec.name(), view.slot()) + " " + exitReason(rec, c));
        }
      }
    }
  }

  /**
   * A slot running a new container next to an outdated one: once the new one is available it
   * takes over the slot's endpoint and the old one is removed; a new one that fails liveness or
   * misses the progress deadline is removed instead; until then the old one keeps serving.
   */
  ReconcileResult handOver(ServiceSpec spec, ServiceBook book, Instant now, ServiceBook.SlotRecord rec, Cluster.Observed fresh,
      Cluster.Observed old) {
    ContainerInfo c = fresh.container();
    if (planner.available(spec, fresh, book.readySince, now)) {
      ops.register(spec, fresh.node(), c, rec); // replaces the old container's endpoint in one step
      ops.remove(old.node(), old.container(), rec, spec.stopGracePeriod(), "spec changed to " + spec.specHash() + ", its new container is available");
      return slots.running(spec, rec, fresh);
    }
    ReconcileResult result = ReconcileResult.done();
    String replica = ReplicaOps.replicaName(spec.name(), rec.slot);
    boolean late = deadlinePassed(spec, c, now);
    if (prober.livenessFailed(c.id()) || late) {
      book.rollout.failed(c.id(), replica + (late ? " not available within " + spec.updatePolicy().progressDeadline()
          : " failed its liveness check"));
      ops.remove(fresh.node(), c, null, spec.stopGracePeriod(), "new replica failed");
    } else {
      result = untilDeadline(spec, c, now);
    }
    return result.sooner(slots.running(spec, rec, old));
  }

  /** Counts a new replica that is not available by its progress deadline as failed; returns when to look again. */
  ReconcileResult checkProgress(ServiceSpec spec, ServiceBook book, Instant now, ServiceBook.SlotRecord rec, Cluster.Observed o) {
    ContainerInfo c = o.container();
    if (!book.rollout.countsFailures() || planner.available(spec, o, book.readySince, now)) {
      return ReconcileResult.done();
    }
    if (deadlinePassed(spec, c, now)) {
      book.rollout.failed(c.id(), ReplicaOps.replicaName(spec.name(), rec.slot) + " not available within "
          + spec.updatePolicy().progressDeadline());
      return ReconcileResult.done();
    }
    return untilDeadline(spec, c, now);
  }

  private static boolean deadlinePassed(ServiceSpec spec, ContainerInfo c, Instant now) {
    return c.startedAt() != null && !now.isBefore(c.startedAt().plus(spec.updatePolicy().progressDeadline()));
  }

  private static ReconcileResult untilDeadline(ServiceSpec spec, ContainerInfo c, Instant now) {
    return c.startedAt() == null ? ReconcileResult.done()
        : ReconcileResult.requeueAfter(Duration.between(now, c.startedAt().plus(spec.updatePolicy().progressDeadline())));
  }

  private static boolean failedExit(ServiceBook.SlotRecord rec, ContainerInfo c) {
    return c.state() == ContainerState.EXITED && (c.exitCode() != 0 || c.oomKilled() || c.id().equals(rec.livenessFailedFor));
  }

  private static String exitReason(ServiceBook.SlotRecord rec, ContainerInfo c) {
    return c.id().equals(rec.livenessFailedFor) ? "failed its liveness check" : c.oomKilled() ? "was OOM killed" : "exited with code " + c.exitCode();
  }
}
