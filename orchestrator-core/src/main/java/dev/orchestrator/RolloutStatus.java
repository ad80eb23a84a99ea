package dev.orchestrator;

/**
 * Where the latest rollout of a service stands (see {@link dev.orchestrator.spec.UpdatePolicy}).
 *
 * @param phase where it is
 * @param targetSpecHash the spec hash it rolls out to (the declared one once a pass has seen it)
 * @param previousSpecHash the spec hash it replaces, empty for a first deployment
 * @param updatedReplicas slots running a container on the target spec
 * @param readyReplicas of those, the ready ones
 * @param availableReplicas of those, the ones ready for at least {@code minReady}
 * @param failedReplicas new replicas counted as failed (crash, liveness, progress deadline)
 * @param reason why it is paused, failed or rolling back; empty otherwise
 */
public record RolloutStatus(RolloutPhase phase, String targetSpecHash, String previousSpecHash, int updatedReplicas,
    int readyReplicas, int availableReplicas, int failedReplicas, String reason) {

  /** Nothing rolled out yet for the given hash. */
  public static RolloutStatus none(String specHash) {
    return new RolloutStatus(RolloutPhase.COMPLETE, specHash, "", 0, 0, 0, 0, "");
  }

  @Override
  public String toString() {
    return phase + " " + (previousSpecHash.isEmpty() ? "" : previousSpecHash + " -> ") + targetSpecHash + ": "
        + updatedReplicas + " updated, " + readyReplicas + " ready, " + availableReplicas + " available"
        + (failedReplicas > 0 ? ", " + failedReplicas + " failed" : "") + (reason.isEmpty() ? "" : " (" + reason + ")");
  }
}
