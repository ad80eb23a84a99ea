package dev.orchestrator.examples.bench;

import dev.orchestrator.spec.PlacementConstraint;
import java.util.List;

/**
 * A plain port of SwarmKit's placement: for each service (task group) the nodes that pass the
 * filters (constraints, resources) go into a min-heap ordered by replicas of that service, then by
 * all replicas on the node, then by node; each task takes the top node if its resources still fit
 * (a node that no longer fits leaves the heap), and the node goes back with its counts updated.
 * It balances replica counts, not utilization.
 */
final class SwarmPort {
  private final Workload w;
  private final long[] cpuAllocated;
  private final long[] memoryAllocated;
  private final int[] total;
  private final int[] ofService;
  private final int[] heap;
  private int size;

  SwarmPort(Workload w) {
    this.w = w;
    cpuAllocated = new long[w.nodes()];
    memoryAllocated = new long[w.nodes()];
    total = new int[w.nodes()];
    ofService = new int[w.nodes()];
    heap = new int[w.nodes()];
  }

  int[] run() {
    int[] assignment = new int[w.replicas()];
    int r = 0;
    while (r < w.replicas()) {
      int end = r;
      while (end < w.replicas() && w.service[end] == w.service[r]) {
        end++;
      }
      buildHeap(r);
      for (; r < end; r++) {
        assignment[r] = take(r);
      }
    }
    return assignment;
  }

  private void buildHeap(int r) {
    List<PlacementConstraint> constraints = w.requests.get(r).constraints();
    size = 0;
    for (int i = 0; i < w.nodes(); i++) {
      ofService[i] = 0;
      boolean ok = fits(r, i);
      for (PlacementConstraint c : constraints) {
        ok &= c.matches(w.labels.get(i));
      }
      if (ok) {
        heap[size++] = i;
      }
    }
    for (int k = size / 2 - 1; k >= 0; k--) {
      siftDown(k);
    }
  }

  private int take(int r) {
    while (size > 0) {
      int i = heap[0];
      if (fits(r, i)) {
        cpuAllocated[i] += w.cpu[r];
        memoryAllocated[i] += w.memory[r];
        total[i]++;
        ofService[i]++;
        siftDown(0);
        return i;
      }
      heap[0] = heap[--size];
      siftDown(0);
    }
    return -1;
  }

  private boolean fits(int r, int i) {
    return cpuAllocated[i] + w.cpu[r] <= w.cpuCapacity[i] && memoryAllocated[i] + w.memory[r] <= w.memoryCapacity[i];
  }

  private boolean less(int a, int b) {
    if (ofService[a] != ofService[b]) {
      return ofService[a] < ofService[b];
    }
    return total[a] != total[b] ? total[a] < total[b] : a < b;
  }

  private void siftDown(int k) {
    int node = heap[k];
    while (2 * k + 1 < size) {
      int child = 2 * k + 1;
      if (child + 1 < size && less(heap[child + 1], heap[child])) {
        child++;
      }
      if (!less(heap[child], node)) {
        break;
      }
      heap[k] = heap[child];
      k = child;
    }
    heap[k] = node;
  }
}
