package dev.orchestrator.scheduling;

import dev.orchestrator.runtime.NodeInfo;
import java.util.Map;
import java.util.Objects;

/**
 * A node as the scheduler sees it at one moment.
 *
 * @param info name, capacity and labels
 * @param ready false when the node does not answer; such a node takes nothing
 * @param cpuAllocatedMillis sum of CPU requests of the replicas on it
 * @param memoryAllocatedBytes sum of memory requests of the replicas on it
 * @param replicasByService how many replicas of each service run on it
 */
public record NodeSnapshot(NodeInfo info, boolean ready, long cpuAllocatedMillis, long memoryAllocatedBytes, Map<String, Integer> replicasByService) {
  public NodeSnapshot {
    Objects.requireNonNull(info, "info");
    replicasByService = Map.copyOf(replicasByService);
  }

  public String name() {
    return info.name();
  }

  public long cpuFreeMillis() {
    return info.cpuMillis() - cpuAllocatedMillis;
  }

  public long memoryFreeBytes() {
    return info.memoryBytes() - memoryAllocatedBytes;
  }

  public int replicasOf(String service) {
    return replicasByService.getOrDefault(service, 0);
  }
}
