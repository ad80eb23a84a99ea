package dev.orchestrator.runtime;

import java.util.Map;
import java.util.Objects;

/**
 * A node's identity and size.
 *
 * @param name unique node name
 * @param cpuMillis allocatable CPU in millicores
 * @param memoryBytes allocatable memory in bytes
 * @param labels node labels, matched by placement constraints; they always include
 *     {@link #NAME_LABEL} with the node's name
 * @param address the host address where the node's published ports are reachable
 */
public record NodeInfo(String name, long cpuMillis, long memoryBytes, Map<String, String> labels, String address) {
  /**
   * The label every node carries with its own name (like Kubernetes' {@code kubernetes.io/hostname}),
   * so that a placement constraint can pin a replica to one node.
   */
  public static final String NAME_LABEL = "dev.orchestrator.node";

  public NodeInfo {
    Objects.requireNonNull(name, "name");
    if (!name.equals(labels.get(NAME_LABEL))) {
      Map<String, String> withName = new java.util.HashMap<>(labels);
      withName.put(NAME_LABEL, name);
      labels = withName;
    }
    labels = Map.copyOf(labels);
    Objects.requireNonNull(address, "address");
  }
}
