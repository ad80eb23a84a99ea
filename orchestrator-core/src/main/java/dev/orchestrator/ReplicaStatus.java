package dev.orchestrator;

/**
 * One replica in the status view.
 *
 * @param replica its stable name, {@code <service>-<slot>}
 * @param slot its slot index
 * @param state where it is in its life
 * @param node the node it runs on, empty if none
 * @param containerId its current container, empty if none
 * @param specHash the spec hash its container runs
 * @param restarts restarts of this slot since its last healthy period
 * @param lastExitCode exit code of its last failure, -1 if none
 * @param lastError the last failure or diagnosis, empty if none
 */
public record ReplicaStatus(
    String replica, int slot, ReplicaState state, String node, String containerId, String specHash, int restarts, int lastExitCode, String lastError) {

  @Override
  public String toString() {
    return replica + " " + state + (node.isEmpty() ? "" : " on " + node) + (restarts > 0 ? " restarts=" + restarts : "")
        + (lastError.isEmpty() ? "" : " (" + lastError + ")");
  }
}
