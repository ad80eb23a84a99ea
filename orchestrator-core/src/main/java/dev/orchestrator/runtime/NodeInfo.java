package dev.orchestrator.runtime;

import java.util.Map;
import java.util.Objects;

/**
 * A node's identity and size.
 *
 * @param name unique node name
 * @param cpuMillis allocatable CPU in millicores
 * @param memoryBytes allocatable memory in bytes
 * @param labels node labels, matched by placement constraints
 * @param address the host address where the node's published ports are reachable
 */
public record NodeInfo(String name, long cpuMillis, long memoryBytes, Map<String, String> labels, String address) {
  public NodeInfo {
    Objects.requireNonNull(name, "name");
    labels = Map.copyOf(labels);
    Objects.requireNonNull(address, "address");
  }
}
