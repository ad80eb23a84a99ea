package dev.orchestrator.scheduling;

import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.Resources;
import java.util.ArrayList;
import java.util.List;

/**
 * The default {@link Scheduler}: filter, then score. Pure and deterministic.
 *
 * <p>Filters: the node is ready and not cordoned, satisfies every placement constraint, has the
 * requested CPU and memory free and fewer than {@code maxPerNode} replicas of the service, and the
 * request tolerates its taints and avoids none of the services it runs (as {@link Filters}). Among feasible nodes the {@code preferredNode} wins outright; otherwise the node
 * with the fewest replicas of the same service (spread), then the least allocated node after the
 * placement, then the smallest name. Rejections (one per failed filter, so a node may appear more
 * than once) are only built when the replica fits nowhere.
 */
public final class SpreadScheduler implements BatchScheduler {
  static final String READY = "ready";
  static final String CONSTRAINTS = "constraints";
  static final String RESOURCES = "resources";
  private static final FilterPlugin TAINTS = Filters.taints();
  private static final FilterPlugin ANTI_AFFINITY = Filters.antiAffinity();

  @Override
  public Placement place(PlacementRequest request, ClusterSnapshot snapshot) {
    return place(request, snapshot.nodes());
  }

  /**
   * {@inheritDoc} A full cycle per replica over a list of nodes in which only the node that took a
   * replica is replaced (no snapshot copy per placement).
   */
  @Override
  public List<Placement> placeAll(List<PlacementRequest> requests, ClusterSnapshot snapshot) {
    List<NodeSnapshot> nodes = new ArrayList<>(snapshot.nodes());
    java.util.Map<String, Integer> index = new java.util.HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      index.put(nodes.get(i).name(), i);
    }
    List<Placement> placements = new ArrayList<>(requests.size());
    for (PlacementRequest request : requests) {
      Placement placement = place(request, nodes);
      placement.node().ifPresent(name -> {
        int i = index.get(name);
        nodes.set(i, nodes.get(i).plus(request));
      });
      placements.add(placement);
    }
    return placements;
  }

  private Placement place(PlacementRequest request, List<NodeSnapshot> nodes) {
    NodeSnapshot best = null;
    int bestSpread = 0;
    double bestFree = 0;
    for (NodeSnapshot node : nodes) {
      if (!fits(request, node)) {
        continue;
      }
      if (node.name().equals(request.preferredNode())) {
        return Placement.on(node.name());
      }
      // best first: fewest replicas of the service, then highest least-allocated score, then name
      int spread = spreadScore(request, node);
      double free = leastAllocatedScore(request, node);
      if (best == null || spread < bestSpread
          || spread == bestSpread && (free > bestFree || free == bestFree && node.name().compareTo(best.name()) < 0)) {
        best = node;
        bestSpread = spread;
        bestFree = free;
      }
    }
    if (best != null) {
      return Placement.on(best.name());
    }
    List<Placement.Rejection> rejections = new ArrayList<>();
    for (NodeSnapshot node : nodes) {
      rejections.addAll(explain(request, node));
    }
    return Placement.unschedulable(rejections);
  }

  /**
   * Places {@code requests} one after another, adding each placement to the snapshot before the
   * next, so that no node is over-committed within the batch. Results are in request order.
   */
  public static List<Placement> placeAll(Scheduler scheduler, List<PlacementRequest> requests, ClusterSnapshot snapshot) {
    List<Placement> placements = new ArrayList<>(requests.size());
    ClusterSnapshot current = snapshot;
    for (PlacementRequest request : requests) {
      Placement placement = scheduler.place(request, current);
      if (placement.placed()) {
        current = current.withPlacement(placement.node().get(), request.service(), request.resources());
      }
      placements.add(placement);
    }
    return placements;
  }

  static boolean fits(PlacementRequest request, NodeSnapshot node) {
    return node.ready() && !node.cordoned()
        && constraintsHold(request, node)
        && fits(request.resources().cpuMillis(), node.cpuFreeMillis())
        && fits(request.resources().memoryBytes(), node.memoryFreeBytes())
        && underLimit(request, node)
        && TAINTS.check(request, node) == Status.Code.FITS
        && ANTI_AFFINITY.check(request, node) == Status.Code.FITS;
  }

  private static boolean constraintsHold(PlacementRequest request, NodeSnapshot node) {
    for (PlacementConstraint c : request.constraints()) {
      if (!c.matches(node.info().labels())) {
        return false;
      }
    }
    return true;
  }

  private static boolean underLimit(PlacementRequest request, NodeSnapshot node) {
    return request.maxPerNode() == 0 || node.replicasOf(request.service()) < request.maxPerNode();
  }

  /** Every failed filter of the node, with numbers; empty when the node fits. */
  static List<Placement.Rejection> explain(PlacementRequest request, NodeSnapshot node) {
    List<Placement.Rejection> rejections = new ArrayList<>();
    String name = node.name();
    if (!node.ready()) {
      rejections.add(new Placement.Rejection(name, READY, "node is not ready"));
    }
    if (node.cordoned()) {
      rejections.add(new Placement.Rejection(name, READY, "node is cordoned"));
    }
    for (PlacementConstraint constraint : request.constraints()) {
      if (!constraint.matches(node.info().labels())) {
        String actual = node.info().labels().get(constraint.key());
        String found = actual == null ? constraint.key() + " not set" : constraint.key() + "=" + actual;
        rejections.add(new Placement.Rejection(name, CONSTRAINTS, "constraint " + constraint + " not met (" + found + ")"));
      }
    }
    Resources wanted = request.resources();
    if (!fits(wanted.cpuMillis(), node.cpuFreeMillis())) {
      rejections.add(new Placement.Rejection(name, RESOURCES,
          "insufficient cpu: requested " + wanted.cpuMillis() + "m, free " + node.cpuFreeMillis() + "m"));
    }
    if (!fits(wanted.memoryBytes(), node.memoryFreeBytes())) {
      rejections.add(new Placement.Rejection(name, RESOURCES, "insufficient memory: requested "
          + Resources.formatBytes(wanted.memoryBytes()) + ", free " + Resources.formatBytes(node.memoryFreeBytes())));
    }
    if (!underLimit(request, node)) {
      rejections.add(new Placement.Rejection(name, RESOURCES, "max " + request.maxPerNode() + " replicas of " + request.service()
          + " per node: " + node.replicasOf(request.service()) + " here"));
    }
    for (FilterPlugin plugin : List.of(TAINTS, ANTI_AFFINITY)) {
      Status status = plugin.filter(request, node);
      if (!status.isFit()) {
        rejections.add(new Placement.Rejection(name, plugin.name(), status.reason(), status.code() == Status.Code.ERROR));
      }
    }
    return rejections;
  }

  /** Replicas of the same service already on the node; lower is better. */
  static int spreadScore(PlacementRequest request, NodeSnapshot node) {
    return node.replicasOf(request.service());
  }

  /**
   * Average of the free CPU and free memory fractions once the replica is placed, in [0, 1] for a
   * feasible node; higher is better. A resource the node has none of counts as fully free, which
   * only matters when the request for it is 0 (otherwise the node is not feasible).
   */
  static double leastAllocatedScore(PlacementRequest request, NodeSnapshot node) {
    double cpu = freeFraction(node.info().cpuMillis(), node.cpuFreeMillis() - request.resources().cpuMillis());
    double memory = freeFraction(node.info().memoryBytes(), node.memoryFreeBytes() - request.resources().memoryBytes());
    return (cpu + memory) / 2;
  }

  private static double freeFraction(long capacity, long freeAfter) {
    return capacity == 0 ? 1.0 : (double) freeAfter / capacity;
  }

  /** A zero request fits anywhere, even on an over-committed node. */
  private static boolean fits(long requested, long free) {
    return requested == 0 || requested <= free;
  }
}
