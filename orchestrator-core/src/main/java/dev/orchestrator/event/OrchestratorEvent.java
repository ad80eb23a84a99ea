package dev.orchestrator.event;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Something the orchestrator did or saw, delivered to {@link EventListener}s in order, on the
 * orchestrator's event thread (never an engine's). Every event names its service; replica events
 * name the replica ({@code <service>-<slot>}).
 */
public sealed interface OrchestratorEvent {
  Instant time();

  String service();

  /** A declaration was accepted (created or changed). */
  record ServiceApplied(Instant time, String service, String specHash, int replicas, boolean changed) implements OrchestratorEvent {}

  /** A service was deleted and everything it owned is being removed. */
  record ServiceDeleted(Instant time, String service) implements OrchestratorEvent {}

  /** A replica was assigned a node. */
  record ReplicaScheduled(Instant time, String service, String replica, String node) implements OrchestratorEvent {}

  /** A replica's container was created and started. */
  record ReplicaStarted(Instant time, String service, String replica, String node, String containerId) implements OrchestratorEvent {}

  /** A replica passed readiness and was published in the registry. */
  record ReplicaReady(Instant time, String service, String replica, String node) implements OrchestratorEvent {}

  /** A replica stopped being ready and was removed from the registry. */
  record ReplicaUnready(Instant time, String service, String replica, String reason) implements OrchestratorEvent {}

  /**
   * A replica failed: it exited, was OOM-killed, failed liveness, or vanished with its node.
   * {@code lastLogs} holds its last output lines where the runtime could give them.
   */
  record ReplicaFailed(Instant time, String service, String replica, int exitCode, boolean oomKilled, String reason, List<String> lastLogs)
      implements OrchestratorEvent {
    public ReplicaFailed {
      lastLogs = List.copyOf(lastLogs);
    }
  }

  /** A failed replica will be restarted after {@code backoff} (its {@code restarts}-th restart). */
  record ReplicaRestarting(Instant time, String service, String replica, int restarts, Duration backoff) implements OrchestratorEvent {}

  /** A replica was stopped and removed (scale-down, update, delete). */
  record ReplicaRemoved(Instant time, String service, String replica, String reason) implements OrchestratorEvent {}

  /** A replica fits no node; {@code diagnosis} names every node and why. */
  record ReplicaUnschedulable(Instant time, String service, String replica, String diagnosis) implements OrchestratorEvent {}

  /** A node stopped answering, or answers again; {@code service} is empty. */
  record NodeAvailability(Instant time, String service, String node, boolean available) implements OrchestratorEvent {}

  /** A changed spec started to replace replicas on {@code fromSpecHash}. */
  record RolloutStarted(Instant time, String service, String fromSpecHash, String toSpecHash) implements OrchestratorEvent {}

  /** A rollout moved: {@code available} of {@code desired} replicas run {@code toSpecHash} and are available. */
  record RolloutProgressed(Instant time, String service, String toSpecHash, int updated, int available, int desired)
      implements OrchestratorEvent {}

  /** A rollout stopped replacing replicas: asked for, or its new replicas failed (see {@code reason}). */
  record RolloutPaused(Instant time, String service, String toSpecHash, String reason) implements OrchestratorEvent {}

  /** A paused or failed rollout goes on. */
  record RolloutResumed(Instant time, String service, String toSpecHash) implements OrchestratorEvent {}

  /** The spec {@code toSpecHash}, the last fully-ready one, was declared again in place of {@code fromSpecHash}. */
  record RolloutRolledBack(Instant time, String service, String fromSpecHash, String toSpecHash, String reason)
      implements OrchestratorEvent {}

  /** New replicas failed and there is no fully-ready spec to roll back to: the rollout stops. */
  record RolloutFailed(Instant time, String service, String toSpecHash, String reason) implements OrchestratorEvent {}

  /** Every declared replica runs {@code specHash} and was available. */
  record RolloutCompleted(Instant time, String service, String specHash) implements OrchestratorEvent {}

  /** A reconcile pass of the service failed and will be retried. */
  record ReconcileFailed(Instant time, String service, String error, Duration retryIn) implements OrchestratorEvent {}
}
