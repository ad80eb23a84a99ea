package dev.orchestrator.examples.bench;

import dev.orchestrator.spec.PlacementConstraint;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A plain port of kube-scheduler's placement step for one pod: NodeResourcesFit (requested plus
 * allocated within allocatable) and node-label matching as filters, then LeastAllocated or
 * MostAllocated scoring on integers 0..100 (per resource {@code (free * 100) / capacity}, averaged
 * with equal weights), highest score wins with ties broken at random (reservoir sampling, as its
 * selectHost). With sampling, it stops filtering after {@code numFeasibleNodesToFind} feasible
 * nodes, scanning round-robin from where the previous pod stopped.
 */
final class KubePort {
  private final Workload w;
  private final boolean mostAllocated;
  private final boolean sampling;
  private final long[] cpuAllocated;
  private final long[] memoryAllocated;
  private final int[] feasible;
  private final SplittableRandom random = new SplittableRandom(7);
  private int nextStart;

  KubePort(Workload w, boolean mostAllocated, boolean sampling) {
    this.w = w;
    this.mostAllocated = mostAllocated;
    this.sampling = sampling;
    cpuAllocated = new long[w.nodes()];
    memoryAllocated = new long[w.nodes()];
    feasible = new int[w.nodes()];
  }

  /** kube's numFeasibleNodesToFind with the default (adaptive) percentageOfNodesToScore. */
  static int numFeasibleNodesToFind(int nodes) {
    if (nodes < 100) {
      return nodes;
    }
    int percentage = Math.max(5, 50 - nodes / 125);
    return Math.max(100, nodes * percentage / 100);
  }

  int[] run() {
    int[] assignment = new int[w.replicas()];
    for (int r = 0; r < w.replicas(); r++) {
      int node = place(r);
      assignment[r] = node;
      if (node >= 0) {
        cpuAllocated[node] += w.cpu[r];
        memoryAllocated[node] += w.memory[r];
      }
    }
    return assignment;
  }

  private int place(int r) {
    int n = w.nodes();
    int toFind = sampling ? numFeasibleNodesToFind(n) : n;
    List<PlacementConstraint> constraints = w.requests.get(r).constraints();
    int found = 0;
    int processed = 0;
    for (int k = 0, i = nextStart; k < n && found < toFind; k++, i = i + 1 == n ? 0 : i + 1) {
      processed++;
      if (fits(r, i, constraints)) {
        feasible[found++] = i;
      }
    }
    nextStart = (nextStart + processed) % n;
    int best = -1;
    long bestScore = -1;
    int ties = 0;
    for (int f = 0; f < found; f++) {
      int i = feasible[f];
      long score = (score(w.cpuCapacity[i], cpuAllocated[i] + w.cpu[r]) + score(w.memoryCapacity[i], memoryAllocated[i] + w.memory[r])) / 2;
      if (score > bestScore) {
        best = i;
        bestScore = score;
        ties = 1;
      } else if (score == bestScore && random.nextInt(++ties) == 0) {
        best = i;
      }
    }
    return best;
  }

  private boolean fits(int r, int i, List<PlacementConstraint> constraints) {
    for (int c = 0; c < constraints.size(); c++) {
      if (!constraints.get(c).matches(w.labels.get(i))) {
        return false;
      }
    }
    return cpuAllocated[i] + w.cpu[r] <= w.cpuCapacity[i] && memoryAllocated[i] + w.memory[r] <= w.memoryCapacity[i];
  }

  private long score(long capacity, long requested) {
    if (capacity == 0 || requested > capacity) {
      return 0;
    }
    return mostAllocated ? requested * 100 / capacity : (capacity - requested) * 100 / capacity;
  }
}
