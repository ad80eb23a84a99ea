package dev.orchestrator;

/** Where a replica is in its life, as the status view reports it. */
public enum ReplicaState {
  /** Declared, not yet created. */
  PENDING,
  /** Fits no node; see the replica's last error for the diagnosis. */
  UNSCHEDULABLE,
  /** Running, readiness not (yet) passed. */
  STARTING,
  /** Running and ready: published in the registry. */
  READY,
  /** Was ready, now failing readiness: withdrawn from the registry. */
  UNREADY,
  /** Failed; waiting out its restart backoff. */
  BACKOFF,
  /** Exited and not restarted, per its restart policy. */
  COMPLETED
}
