package dev.orchestrator.scheduling;

import dev.orchestrator.spec.Resources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An immutable view of every node at one moment, in a stable order (by name). */
public record ClusterSnapshot(List<NodeSnapshot> nodes) {
  public ClusterSnapshot {
    nodes = nodes.stream().sorted(java.util.Comparator.comparing(NodeSnapshot::name)).toList();
  }

  /** A new snapshot in which the given node also runs one more replica of {@code service}. */
  public ClusterSnapshot withPlacement(String node, String service, Resources resources) {
    List<NodeSnapshot> next = new ArrayList<>(nodes.size());
    for (NodeSnapshot n : nodes) {
      if (n.name().equals(node)) {
        Map<String, Integer> counts = new HashMap<>(n.replicasByService());
        counts.merge(service, 1, Integer::sum);
        next.add(new NodeSnapshot(n.info(), n.ready(), n.cpuAllocatedMillis() + resources.cpuMillis(),
            n.memoryAllocatedBytes() + resources.memoryBytes(), counts));
      } else {
        next.add(n);
      }
    }
    return new ClusterSnapshot(next);
  }
}
