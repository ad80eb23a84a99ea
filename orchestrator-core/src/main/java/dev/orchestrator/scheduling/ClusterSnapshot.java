package dev.orchestrator.scheduling;

import dev.orchestrator.spec.Resources;
import java.util.ArrayList;
import java.util.List;

/** An immutable view of every node at one moment, in a stable order (by name). */
public record ClusterSnapshot(List<NodeSnapshot> nodes) {
  public ClusterSnapshot {
    boolean sorted = true;
    for (int i = 1; i < nodes.size() && sorted; i++) {
      sorted = nodes.get(i - 1).name().compareTo(nodes.get(i).name()) <= 0;
    }
    nodes = sorted ? List.copyOf(nodes) : nodes.stream().sorted(java.util.Comparator.comparing(NodeSnapshot::name)).toList();
  }

  /** A new snapshot in which the given node also runs one more replica of {@code service}. */
  public ClusterSnapshot withPlacement(String node, String service, Resources resources) {
    return withPlacement(node, new PlacementRequest(service, 0, resources, List.of(), ""));
  }

  /**
   * A new snapshot in which the given node also runs the requested replica (its resources,
   * service and image). Copies the node list: O(nodes); batches use {@link BatchScheduler}.
   */
  public ClusterSnapshot withPlacement(String node, PlacementRequest request) {
    List<NodeSnapshot> next = new ArrayList<>(nodes.size());
    for (NodeSnapshot n : nodes) {
      next.add(n.name().equals(node) ? n.plus(request) : n);
    }
    return new ClusterSnapshot(next);
  }
}
