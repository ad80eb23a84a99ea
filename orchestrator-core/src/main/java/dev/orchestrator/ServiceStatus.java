package dev.orchestrator;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Desired versus actual state of one service at one moment.
 *
 * @param service the service name
 * @param specHash the hash of the declared spec, empty once deleted
 * @param desiredReplicas how many replicas are declared
 * @param readyReplicas how many replicas are ready (any spec)
 * @param updatedReplicas how many ready replicas run the declared spec
 * @param replicas every slot's status, by slot
 * @param lastError the last reconcile failure, empty if the last pass succeeded
 * @param rollout where the latest rollout stands
 */
public record ServiceStatus(
    String service, String specHash, int desiredReplicas, int readyReplicas, int updatedReplicas, List<ReplicaStatus> replicas, String lastError,
    RolloutStatus rollout) {
  public ServiceStatus {
    replicas = List.copyOf(replicas);
    java.util.Objects.requireNonNull(rollout, "rollout");
  }

  /** A status with no rollout under way. */
  public ServiceStatus(
      String service, String specHash, int desiredReplicas, int readyReplicas, int updatedReplicas, List<ReplicaStatus> replicas, String lastError) {
    this(service, specHash, desiredReplicas, readyReplicas, updatedReplicas, replicas, lastError, RolloutStatus.none(specHash));
  }

  /** Every declared replica is ready and runs the declared spec. */
  public boolean isReady() {
    return updatedReplicas == desiredReplicas && readyReplicas == desiredReplicas;
  }

  @Override
  public String toString() {
    return service + ": " + readyReplicas + "/" + desiredReplicas + " ready"
        + (updatedReplicas != readyReplicas ? ", " + updatedReplicas + " updated" : "")
        + (lastError.isEmpty() ? "" : ", last error: " + lastError)
        + (rollout.previousSpecHash().isEmpty() ? "" : ", rollout " + rollout)
        + replicas.stream().map(r -> "\n  " + r).collect(Collectors.joining());
  }
}
