package dev.orchestrator.scheduling;

import dev.orchestrator.spec.Toleration;
import dev.orchestrator.runtime.NodeInfo;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A node as the scheduler sees it at one moment.
 *
 * @param info name, capacity and labels (labels {@code taint.<key>} are taints, see {@link Toleration})
 * @param ready false when the node does not answer; such a node takes nothing
 * @param cpuAllocatedMillis sum of CPU requests of the replicas on it
 * @param memoryAllocatedBytes sum of memory requests of the replicas on it
 * @param replicasByService how many replicas of each service run on it
 * @param cordoned true when the node keeps what it runs but takes no new replica
 * @param images images of the replicas on it (or already pulled there)
 */
public record NodeSnapshot(NodeInfo info, boolean ready, long cpuAllocatedMillis, long memoryAllocatedBytes,
    Map<String, Integer> replicasByService, boolean cordoned, Set<String> images) {
  public NodeSnapshot {
    Objects.requireNonNull(info, "info");
    replicasByService = Map.copyOf(replicasByService);
    images = Set.copyOf(images);
  }

  /** A node that is not cordoned and has no images recorded. */
  public NodeSnapshot(NodeInfo info, boolean ready, long cpuAllocatedMillis, long memoryAllocatedBytes,
      Map<String, Integer> replicasByService) {
    this(info, ready, cpuAllocatedMillis, memoryAllocatedBytes, replicasByService, false, Set.of());
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

  /** This node with one more replica of the request: its resources, service count and image. */
  public NodeSnapshot plus(PlacementRequest request) {
    Map<String, Integer> counts = new HashMap<>(replicasByService);
    counts.merge(request.service(), 1, Integer::sum);
    Set<String> nextImages = images;
    if (!request.image().isEmpty() && !images.contains(request.image())) {
      nextImages = new HashSet<>(images);
      nextImages.add(request.image());
    }
    return new NodeSnapshot(info, ready, cpuAllocatedMillis + request.resources().cpuMillis(),
        memoryAllocatedBytes + request.resources().memoryBytes(), counts, cordoned, nextImages);
  }

  /** This node, cordoned or not. */
  public NodeSnapshot withCordoned(boolean cordoned) {
    return new NodeSnapshot(info, ready, cpuAllocatedMillis, memoryAllocatedBytes, replicasByService, cordoned, images);
  }
}
