package dev.orchestrator.examples.bench;

import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.scheduling.ClusterSnapshot;
import dev.orchestrator.scheduling.NodeSnapshot;
import dev.orchestrator.scheduling.Placement;
import dev.orchestrator.scheduling.PlacementRequest;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.Resources;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded cluster and batch: empty nodes, and services of 100 replicas each whose size is drawn
 * log-uniformly from 100-2000 m CPU and 64 MiB - 4 GiB memory (small replicas are the common case).
 * Replicas come service by service, as the orchestrator's placer asks for them.
 */
final class Workload {
  static final int REPLICAS_PER_SERVICE = 100;

  final String name;
  final long[] cpuCapacity;
  final long[] memoryCapacity;
  final List<Map<String, String>> labels = new ArrayList<>();
  /** Nodes a replica may use: all, or the labelled third in the constrained case. */
  final boolean[] eligible;
  final List<PlacementRequest> requests = new ArrayList<>();
  final long[] cpu;
  final long[] memory;
  final int[] service;

  /**
   * @param sizes node sizes as {cpu millis, memory GiB}, used round-robin
   * @param constrained when true one node in three is labelled pool=a and every replica requires it
   */
  Workload(String name, int nodes, int replicas, long[][] sizes, boolean constrained, long seed) {
    this.name = name;
    Random random = new Random(seed);
    cpuCapacity = new long[nodes];
    memoryCapacity = new long[nodes];
    eligible = new boolean[nodes];
    for (int i = 0; i < nodes; i++) {
      cpuCapacity[i] = sizes[i % sizes.length][0];
      memoryCapacity[i] = sizes[i % sizes.length][1] * Resources.GIB;
      eligible[i] = !constrained || i % 3 == 0;
      labels.add(Map.of("pool", eligible[i] ? "a" : "b", "zone", "zone-" + i % 3));
    }
    List<PlacementConstraint> constraints = constrained ? List.of(PlacementConstraint.equals("pool", "a")) : List.of();
    cpu = new long[replicas];
    memory = new long[replicas];
    service = new int[replicas];
    Resources size = null;
    for (int r = 0; r < replicas; r++) {
      int s = r / REPLICAS_PER_SERVICE;
      if (r % REPLICAS_PER_SERVICE == 0) {
        size = Resources.requests(logUniform(random, 100, 2000), logUniform(random, 64, 4096) * Resources.MIB);
      }
      requests.add(new PlacementRequest("svc-" + s, r % REPLICAS_PER_SERVICE, size, constraints, ""));
      cpu[r] = size.cpuMillis();
      memory[r] = size.memoryBytes();
      service[r] = s;
    }
  }

  private static long logUniform(Random random, long min, long max) {
    return Math.round(Math.exp(Math.log(min) + random.nextDouble() * (Math.log(max) - Math.log(min))));
  }

  int nodes() {
    return cpuCapacity.length;
  }

  int replicas() {
    return cpu.length;
  }

  String nodeName(int i) {
    return String.format("node-%05d", i);
  }

  ClusterSnapshot snapshot() {
    List<NodeSnapshot> nodes = new ArrayList<>();
    for (int i = 0; i < nodes(); i++) {
      nodes.add(new NodeSnapshot(new NodeInfo(nodeName(i), cpuCapacity[i], memoryCapacity[i], labels.get(i), "10.0.0.1"), true, 0, 0, Map.of()));
    }
    return new ClusterSnapshot(nodes);
  }

  /** Node indexes of the library's placements (-1 when unplaced). */
  int[] assignment(List<Placement> placements) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < nodes(); i++) {
      index.put(nodeName(i), i);
    }
    return placements.stream().mapToInt(p -> p.node().map(index::get).orElse(-1)).toArray();
  }

  /** Quality of a final assignment: placed replicas, CPU utilization spread over eligible nodes, nodes used. */
  record Quality(int placed, double cpuStddev, double cpuMax, int nodesUsed, int lowerBound, boolean overCommitted) {}

  Quality quality(int[] assignment) {
    long[] cpuUsed = new long[nodes()];
    long[] memoryUsed = new long[nodes()];
    int placed = 0;
    for (int r = 0; r < assignment.length; r++) {
      if (assignment[r] >= 0) {
        placed++;
        cpuUsed[assignment[r]] += cpu[r];
        memoryUsed[assignment[r]] += memory[r];
      }
    }
    double sum = 0;
    double sumSquares = 0;
    double max = 0;
    int count = 0;
    int used = 0;
    boolean over = false;
    for (int i = 0; i < nodes(); i++) {
      over |= cpuUsed[i] > cpuCapacity[i] || memoryUsed[i] > memoryCapacity[i];
      if (cpuUsed[i] > 0 || memoryUsed[i] > 0) {
        used++;
      }
      if (eligible[i]) {
        double u = (double) cpuUsed[i] / cpuCapacity[i];
        sum += u;
        sumSquares += u * u;
        max = Math.max(max, u);
        count++;
      }
    }
    double mean = sum / count;
    double stddev = Math.sqrt(Math.max(0, sumSquares / count - mean * mean));
    return new Quality(placed, stddev, max, used, lowerBound(), over);
  }

  /** Fewest eligible nodes that could hold every request, per resource (largest nodes first); the max of the two. */
  int lowerBound() {
    return Math.max(nodesToHold(cpuCapacity, Arrays.stream(cpu).sum()), nodesToHold(memoryCapacity, Arrays.stream(memory).sum()));
  }

  private int nodesToHold(long[] capacity, long total) {
    long[] eligibleCapacity = new long[nodes()];
    int n = 0;
    for (int i = 0; i < nodes(); i++) {
      if (eligible[i]) {
        eligibleCapacity[n++] = capacity[i];
      }
    }
    long[] sorted = Arrays.copyOf(eligibleCapacity, n);
    Arrays.sort(sorted);
    long held = 0;
    int k = 0;
    for (int i = n - 1; i >= 0 && held < total; i--) {
      held += sorted[i];
      k++;
    }
    return k;
  }
}
