package dev.orchestrator.internal;

import dev.orchestrator.ReplicaState;
import dev.orchestrator.ReplicaStatus;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.reconcile.ReconcileResult;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to one slot's kept container: a running one is probed, published while ready and
 * stopped when its liveness fails; an exited one is reported and restarted after its backoff; a
 * lost one is withdrawn. Called only by the worker reconciling the slot's service.
 */
final class SlotHandler {
  private static final Logger log = LoggerFactory.getLogger(SlotHandler.class);
  private final ReplicaOps ops;
  private final HealthProber prober;
  private final EventBus events;
  private final OrchestratorMetrics metrics;
  private final Clock clock;

  /** What an exited container leads to. */
  enum Next {
    /** Nothing to do now (backoff running, or the policy does not restart). */
    WAIT,
    /**
     * Place a new container with {@code rec.restarts} restarts, then remove the exited one
     * (removing it first would put the engine's teardown of the dead container, which can take
     * hundreds of milliseconds, before the replacement's create).
     */
    REPLACE
  }

  SlotHandler(ReplicaOps ops, HealthProber prober, EventBus events, OrchestratorMetrics metrics, Clock clock) {
    this.ops = ops;
    this.prober = prober;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Probes, publishes or withdraws a running container of the slot. */
  ReconcileResult running(ServiceSpec spec, ServiceBook.SlotRecord rec, Cluster.Observed o) {
    ContainerInfo c = o.container();
    String replica = ReplicaOps.replicaName(spec.name(), rec.slot);
    prober.track(o.node(), c, spec.name(), spec.liveness(), spec.readiness());
    if (!rec.registeredContainer.isEmpty() && !rec.registeredContainer.equals(c.id())) {
      lost(spec, rec, "replaced");
    }
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
      return ReconcileResult.done();
    }
    boolean wasReady = rec.readyAnnouncedFor.equals(c.id());
    if (rec.registeredContainer.equals(c.id())) {
      ops.deregister(c, rec);
    }
    String why = prober.lastFailure(c.id());
    if (wasReady) {
      rec.readyAnnouncedFor = "";
      rec.unreadyContainer = c.id();
      events.publish(new OrchestratorEvent.ReplicaUnready(clock.instant(), spec.name(), replica, why));
    }
    ReplicaState state = rec.unreadyContainer.equals(c.id()) ? ReplicaState.UNREADY : ReplicaState.STARTING;
    rec.status = status(spec, rec, state, o, why);
    return ReconcileResult.done();
  }

  /** The slot has no container any more (its node is down, or it was removed behind our back). */
  void lost(ServiceSpec spec, ServiceBook.SlotRecord rec, String why) {
    String gone = rec.registeredContainer;
    if (gone.isEmpty()) {
      return;
    }
    ops.withdraw(spec.name(), rec.slot, gone);
    prober.untrack(gone);
    rec.registeredContainer = "";
    if (rec.readyAnnouncedFor.equals(gone)) {
      rec.readyAnnouncedFor = "";
      events.publish(new OrchestratorEvent.ReplicaUnready(clock.instant(), spec.name(), ReplicaOps.replicaName(spec.name(), rec.slot), why));
    }
  }

  /**
   * Reports an exited container once, then either waits out its restart backoff (returning when
   * to look again) or tells the caller to place a replacement and remove the exited container.
   */
  Next exited(ServiceSpec spec, ServiceBook.SlotRecord rec, Cluster.Observed o, ReconcileResult[] after) {
    ContainerInfo c = o.container();
    String replica = ReplicaOps.replicaName(spec.name(), rec.slot);
    ops.deregister(c, rec);
    prober.untrack(c.id());
    boolean livenessFailed = c.id().equals(rec.livenessFailedFor);
    boolean failed = livenessFailed || c.exitCode() != 0 || c.oomKilled();
    if (!rec.failureRecordedFor.equals(c.id())) {
      rec.failureRecordedFor = c.id();
      rec.failureRecordedAt = clock.instant();
      rec.lastExitCode = c.exitCode();
      rec.lastError = livenessFailed ? "liveness check failed" : c.oomKilled() ? "OOM killed" : "exited with code " + c.exitCode();
      rec.readyAnnouncedFor = "";
      log.info("{} {}", replica, rec.lastError);
      events.publish(new OrchestratorEvent.ReplicaFailed(clock.instant(), spec.name(), replica, c.exitCode(), c.oomKilled(),
          rec.lastError, lastLogs(o)));
    }
    RestartPolicy policy = spec.restartPolicy();
    if (!policy.restarts(failed)) {
      rec.status = status(spec, rec, ReplicaState.COMPLETED, o, rec.lastError);
      after[0] = ReconcileResult.done();
      return Next.WAIT;
    }
    int restarts = ReplicaOps.restartsOf(c);
    Instant started = c.startedAt();
    // a container that never ran (its start failed) has no exit time: count from when its failure was seen,
    // not from now, or the backoff would never end
    Instant finished = c.finishedAt() != null ? c.finishedAt() : rec.failureRecordedAt;
    if (started != null && Duration.between(started, finished).compareTo(policy.resetAfter()) >= 0) {
      restarts = 0;
    }
    int next = restarts + 1;
    Duration backoff = policy.backoff(next);
    Instant restartAt = finished.plus(backoff);
    Instant now = clock.instant();
    rec.restarts = restarts;
    if (!rec.restartAnnouncedFor.equals(c.id())) {
      rec.restartAnnouncedFor = c.id();
      events.publish(new OrchestratorEvent.ReplicaRestarting(now, spec.name(), replica, next, backoff));
    }
    if (now.isBefore(restartAt)) {
      rec.status = status(spec, rec, ReplicaState.BACKOFF, o, rec.lastError);
      after[0] = ReconcileResult.requeueAfter(Duration.between(now, restartAt));
      return Next.WAIT;
    }
    metrics.restarted(spec.name());
    rec.restarts = next;
    rec.status = status(spec, rec, ReplicaState.PENDING, null, rec.lastError);
    after[0] = ReconcileResult.done();
    return Next.REPLACE;
  }

  private List<String> lastLogs(Cluster.Observed o) {
    try {
      return o.node().call("logs", o.container().id(), () -> o.node().runtime().logs(o.container().id(), 20));
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  ReplicaStatus status(ServiceSpec spec, ServiceBook.SlotRecord rec, ReplicaState state, Cluster.Observed o, String error) {
    return new ReplicaStatus(ReplicaOps.replicaName(spec.name(), rec.slot), rec.slot, state,
        o == null ? "" : o.node().name(), o == null ? "" : o.container().id(),
        o == null ? "" : String.valueOf(o.specHash()),
        rec.restarts, rec.lastExitCode, error == null ? "" : error);
  }
}
