package dev.orchestrator;

/** The phase of a service's latest rollout. */
public enum RolloutPhase {
  /** Outdated replicas are being replaced within the update policy's bounds. */
  PROGRESSING,
  /** No outdated replica is replaced until {@code resumeRollout} (asked for, or the failure action). */
  PAUSED,
  /** Rolling out the last fully-ready spec again, after a failed rollout or a {@code rollback} call. */
  ROLLING_BACK,
  /** Every declared replica runs the target spec and was available. */
  COMPLETE,
  /** New replicas failed and there was no fully-ready spec to roll back to; nothing more is replaced until resumed. */
  FAILED
}
