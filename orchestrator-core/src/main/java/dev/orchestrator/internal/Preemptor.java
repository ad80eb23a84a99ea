package dev.orchestrator.internal;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.scheduling.ClusterSnapshot;
import dev.orchestrator.scheduling.NodeSnapshot;
import dev.orchestrator.scheduling.PlacementRequest;
import dev.orchestrator.scheduling.Scheduler;
import dev.orchestrator.spec.Resources;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses which lower-priority replicas to evict so that a replica that fits nowhere fits (pure).
 * On each ready node it evicts the lowest-priority candidates first (larger ones first among equal
 * priorities) until the scheduler places the replica on that node alone, then spares every victim
 * it can, highest priority first. Among nodes it takes the one whose highest-priority victim is
 * lowest, then the fewest victims, then the lowest sum of priorities, then the smallest name.
 */
final class Preemptor {
  private Preemptor() {}

  /** A running replica that may be evicted. */
  record Candidate(ContainerInfo container, String service, int priority, Resources resources) {}

  /** Where the replica goes and whom it evicts there. */
  record Choice(String node, List<Candidate> victims) {}

  static Optional<Choice> choose(PlacementRequest request, int priority, Scheduler scheduler, List<NodeSnapshot> nodes,
      Map<String, List<Candidate>> candidates) {
    Choice best = null;
    long[] bestCost = null;
    for (NodeSnapshot node : nodes) {
      if (!node.ready() || node.cordoned()) {
        continue;
      }
      List<Candidate> lower = new ArrayList<>();
      for (Candidate c : candidates.getOrDefault(node.name(), List.of())) {
        if (c.priority() < priority) {
          lower.add(c);
        }
      }
      lower.sort(Comparator.comparingInt(Candidate::priority)
          .thenComparing(Comparator.comparingLong((Candidate c) -> c.resources().cpuMillis()).reversed())
          .thenComparing(Comparator.comparingLong((Candidate c) -> c.resources().memoryBytes()).reversed())
          .thenComparing(c -> c.container().name()));
      List<Candidate> victims = new ArrayList<>();
      boolean fits = false;
      for (Candidate c : lower) {
        victims.add(c);
        if (fits(request, scheduler, without(node, victims))) {
          fits = true;
          break;
        }
      }
      if (!fits) {
        continue;
      }
      for (int i = victims.size() - 1; i >= 0; i--) {
        List<Candidate> spared = new ArrayList<>(victims);
        spared.remove(i);
        if (fits(request, scheduler, without(node, spared))) {
          victims = spared;
        }
      }
      long max = victims.stream().mapToLong(Candidate::priority).max().orElse(Long.MIN_VALUE);
      long sum = victims.stream().mapToLong(Candidate::priority).sum();
      long[] cost = {max, victims.size(), sum};
      if (bestCost == null || compare(cost, bestCost) < 0) {
        best = new Choice(node.name(), List.copyOf(victims));
        bestCost = cost;
      }
    }
    return Optional.ofNullable(best);
  }

  private static int compare(long[] a, long[] b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] != b[i]) {
        return Long.compare(a[i], b[i]);
      }
    }
    return 0; // nodes come in name order: the first one stays
  }

  private static boolean fits(PlacementRequest request, Scheduler scheduler, NodeSnapshot node) {
    return scheduler.place(request, new ClusterSnapshot(List.of(node))).placed();
  }

  /** The node without the victims' resources and replicas. */
  static NodeSnapshot without(NodeSnapshot node, List<Candidate> victims) {
    long cpu = node.cpuAllocatedMillis();
    long memory = node.memoryAllocatedBytes();
    Map<String, Integer> counts = new HashMap<>(node.replicasByService());
    for (Candidate v : victims) {
      cpu -= v.resources().cpuMillis();
      memory -= v.resources().memoryBytes();
      counts.computeIfPresent(v.service(), (k, n) -> n > 1 ? n - 1 : null);
    }
    return new NodeSnapshot(node.info(), node.ready(), cpu, memory, counts, node.cordoned(), node.images());
  }
}
