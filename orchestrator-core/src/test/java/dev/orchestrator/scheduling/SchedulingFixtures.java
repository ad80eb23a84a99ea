package dev.orchestrator.scheduling;

import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.Resources;
import java.util.List;
import java.util.Map;

/** Small builders for scheduler tests. */
final class SchedulingFixtures {
  static final long MIB = Resources.MIB;

  private SchedulingFixtures() {}

  /** A ready, empty node with no labels. */
  static NodeSnapshot node(String name, long cpuMillis, long memoryBytes) {
    return node(name, cpuMillis, memoryBytes, Map.of());
  }

  static NodeSnapshot node(String name, long cpuMillis, long memoryBytes, Map<String, String> labels) {
    return new NodeSnapshot(new NodeInfo(name, cpuMillis, memoryBytes, labels, "127.0.0.1"), true, 0, 0, Map.of());
  }

  static NodeSnapshot allocated(NodeSnapshot node, long cpuMillis, long memoryBytes, Map<String, Integer> replicas) {
    return new NodeSnapshot(node.info(), node.ready(), cpuMillis, memoryBytes, replicas);
  }

  static NodeSnapshot notReady(NodeSnapshot node) {
    return new NodeSnapshot(node.info(), false, node.cpuAllocatedMillis(), node.memoryAllocatedBytes(), node.replicasByService());
  }

  static PlacementRequest request(String service, long cpuMillis, long memoryBytes) {
    return new PlacementRequest(service, 0, Resources.requests(cpuMillis, memoryBytes), List.of(), "");
  }

  static PlacementRequest request(String service, long cpuMillis, long memoryBytes, List<PlacementConstraint> constraints) {
    return new PlacementRequest(service, 0, Resources.requests(cpuMillis, memoryBytes), constraints, "");
  }

  static PlacementRequest preferring(PlacementRequest request, String node) {
    return new PlacementRequest(request.service(), request.slot(), request.resources(), request.constraints(), node);
  }

  static ClusterSnapshot cluster(NodeSnapshot... nodes) {
    return new ClusterSnapshot(List.of(nodes));
  }
}
