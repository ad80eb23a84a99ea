package dev.orchestrator.scheduling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Batch placement for a pipeline whose scores are all allocation scores. Such a score is linear in
 * what a node has allocated, so among nodes of one size the order by score does not depend on the
 * request. Per placement class (the request without resources, see
 * {@link PlacementRequest#placementClass()}) and node size, the nodes that pass the filters sit in
 * a {@link NodeIndex} keyed by score with their free resources; the best of each size is compared
 * on its full score. A placement updates the node's accounting and appends it to a change log;
 * each class index re-reads the changed nodes when it is next used. Node snapshots are rebuilt only
 * for filters that change with placements and for explanations.
 */
final class IndexedBatch {
  private final PipelineScheduler scheduler;
  private final Scores.AllocationScore[] scorers;
  private final int[] weights;
  private final boolean resourceFit;
  private final NodeSnapshot[] nodes;
  private final List<List<PlacementRequest>> pending;
  private final long[] cpuCapacity;
  private final long[] memoryCapacity;
  private final long[] cpuAllocated;
  private final long[] memoryAllocated;
  private final Map<String, Integer> byName = new HashMap<>();
  private final int[] sizeOf;
  private final int[] positionOf;
  private final int[][] nodesOfSize;
  private final Map<PlacementRequest, NodeClass> classes = new HashMap<>();
  private int[] changes = new int[1024];
  private int changeCount;
  private PlacementRequest lastRequest;
  private NodeClass lastClass;

  static boolean supports(PipelineScheduler scheduler) {
    return scheduler.scorers().stream().allMatch(s -> s instanceof Scores.AllocationScore);
  }

  IndexedBatch(PipelineScheduler scheduler, ClusterSnapshot snapshot) {
    this.scheduler = scheduler;
    this.scorers = scheduler.scorers().toArray(new Scores.AllocationScore[0]);
    this.weights = scheduler.weights().stream().mapToInt(Integer::intValue).toArray();
    this.resourceFit = scheduler.filters().stream().anyMatch(f -> f instanceof Filters.ResourceFit);
    this.nodes = snapshot.nodes().toArray(new NodeSnapshot[0]);
    int n = nodes.length;
    pending = new ArrayList<>(n);
    cpuCapacity = new long[n];
    memoryCapacity = new long[n];
    cpuAllocated = new long[n];
    memoryAllocated = new long[n];
    sizeOf = new int[n];
    positionOf = new int[n];
    Map<List<Long>, List<Integer>> sizes = new HashMap<>();
    for (int i = 0; i < n; i++) {
      NodeSnapshot node = nodes[i];
      pending.add(null);
      cpuCapacity[i] = node.info().cpuMillis();
      memoryCapacity[i] = node.info().memoryBytes();
      cpuAllocated[i] = node.cpuAllocatedMillis();
      memoryAllocated[i] = node.memoryAllocatedBytes();
      byName.put(node.name(), i);
      sizes.computeIfAbsent(List.of(cpuCapacity[i], memoryCapacity[i]), k -> new ArrayList<>()).add(i);
    }
    nodesOfSize = new int[sizes.size()][];
    int s = 0;
    for (List<Integer> members : sizes.values()) {
      nodesOfSize[s] = members.stream().mapToInt(Integer::intValue).toArray();
      for (int p = 0; p < members.size(); p++) {
        sizeOf[members.get(p)] = s;
        positionOf[members.get(p)] = p;
      }
      s++;
    }
  }

  List<Placement> placeAll(List<PlacementRequest> requests) {
    List<Placement> placements = new ArrayList<>(requests.size());
    for (PlacementRequest request : requests) {
      placements.add(place(request));
    }
    return placements;
  }

  private Placement place(PlacementRequest request) {
    NodeClass c = classOf(request);
    c.refresh();
    if (c.errorNode >= 0) {
      return scheduler.failure(c.key, snapshot(c.errorNode));
    }
    int chosen = preferred(c, request);
    if (chosen < 0) {
      chosen = best(c, request);
    }
    if (chosen < 0) {
      List<NodeSnapshot> all = new ArrayList<>(nodes.length);
      for (int i = 0; i < nodes.length; i++) {
        all.add(snapshot(i));
      }
      return scheduler.explain(request, all);
    }
    cpuAllocated[chosen] += request.resources().cpuMillis();
    memoryAllocated[chosen] += request.resources().memoryBytes();
    if (pending.get(chosen) == null) {
      pending.set(chosen, new ArrayList<>());
    }
    pending.get(chosen).add(request);
    if (changeCount == changes.length) {
      changes = Arrays.copyOf(changes, 2 * changeCount);
    }
    changes[changeCount++] = chosen;
    return Placement.on(nodes[chosen].name());
  }

  private int preferred(NodeClass c, PlacementRequest request) {
    Integer i = request.preferredNode().isEmpty() ? null : byName.get(request.preferredNode());
    boolean fits = i != null && c.eligible[i]
        && (!resourceFit || Filters.ResourceFit.fits(request.resources().cpuMillis(), cpuCapacity[i] - cpuAllocated[i])
            && Filters.ResourceFit.fits(request.resources().memoryBytes(), memoryCapacity[i] - memoryAllocated[i]));
    return fits ? i : -1;
  }

  /** The best node over every size, or -1. */
  private int best(NodeClass c, PlacementRequest request) {
    long cpu = request.resources().cpuMillis();
    long memory = request.resources().memoryBytes();
    long needCpu = resourceFit && cpu != 0 ? cpu : NodeIndex.NONE;
    long needMemory = resourceFit && memory != 0 ? memory : NodeIndex.NONE;
    int best = -1;
    double bestScore = 0;
    for (int s = 0; s < nodesOfSize.length; s++) {
      int pos = c.indexes[s].find(needCpu, needMemory);
      if (pos < 0) {
        continue;
      }
      int i = nodesOfSize[s][pos];
      double score = score(i, cpu, memory);
      if (best < 0 || score > bestScore || score == bestScore && i < best) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  }

  /** The pipeline's score of node {@code i} once it takes this much more. */
  private double score(int i, long cpu, long memory) {
    double total = 0;
    for (int p = 0; p < scorers.length; p++) {
      total += weights[p] * scorers[p].raw(cpuCapacity[i], memoryCapacity[i], cpuAllocated[i] + cpu, memoryAllocated[i] + memory);
    }
    return total;
  }

  private NodeClass classOf(PlacementRequest request) {
    if (lastRequest == null || !sameClass(lastRequest, request)) {
      lastClass = classes.computeIfAbsent(request.placementClass(), NodeClass::new);
      lastRequest = request;
    }
    return lastClass;
  }

  private static boolean sameClass(PlacementRequest a, PlacementRequest b) {
    return a.service().equals(b.service()) && a.maxPerNode() == b.maxPerNode() && a.image().equals(b.image())
        && a.constraints().equals(b.constraints()) && a.tolerations().equals(b.tolerations())
        && a.avoidServices().equals(b.avoidServices());
  }

  /** Node {@code i} as it is now, rebuilt from the replicas placed on it since it was last read. */
  private NodeSnapshot snapshot(int i) {
    List<PlacementRequest> placed = pending.get(i);
    if (placed != null && !placed.isEmpty()) {
      NodeSnapshot node = nodes[i];
      Map<String, Integer> counts = new HashMap<>(node.replicasByService());
      Set<String> images = new HashSet<>(node.images());
      for (PlacementRequest r : placed) {
        counts.merge(r.service(), 1, Integer::sum);
        if (!r.image().isEmpty()) {
          images.add(r.image());
        }
      }
      nodes[i] = new NodeSnapshot(node.info(), node.ready(), cpuAllocated[i], memoryAllocated[i], counts, node.cordoned(), images);
      placed.clear();
    }
    return nodes[i];
  }

  /** The nodes that pass the filters for one placement class, indexed per node size. */
  private final class NodeClass {
    final PlacementRequest key;
    final boolean changesWithPlacements;
    final boolean[] eligible = new boolean[nodes.length];
    final NodeIndex[] indexes = new NodeIndex[nodesOfSize.length];
    int errorNode = -1;
    int seen = changeCount;

    NodeClass(PlacementRequest key) {
      this.key = Objects.requireNonNull(key);
      this.changesWithPlacements = scheduler.filters().stream().anyMatch(f -> f.changesWithPlacements(key));
      for (int s = 0; s < nodesOfSize.length; s++) {
        indexes[s] = new NodeIndex(nodesOfSize[s].length);
        for (int i : nodesOfSize[s]) {
          evaluate(i);
          setLeaf(i, false);
        }
        indexes[s].rebuild();
      }
    }

    /** Re-reads the nodes changed since this class was last used. */
    void refresh() {
      for (; seen < changeCount; seen++) {
        int i = changes[seen];
        if (changesWithPlacements) {
          evaluate(i);
        }
        setLeaf(i, true);
      }
    }

    private void evaluate(int i) {
      Status.Code code = scheduler.check(key, snapshot(i));
      eligible[i] = code == Status.Code.FITS;
      if (code == Status.Code.ERROR && errorNode < 0) {
        errorNode = i;
      }
    }

    private void setLeaf(int i, boolean propagate) {
      NodeIndex index = indexes[sizeOf[i]];
      double score = eligible[i] ? score(i, 0, 0) : Double.NEGATIVE_INFINITY;
      long cpu = eligible[i] ? cpuCapacity[i] - cpuAllocated[i] : NodeIndex.NONE;
      long memory = eligible[i] ? memoryCapacity[i] - memoryAllocated[i] : NodeIndex.NONE;
      if (propagate) {
        index.update(positionOf[i], score, cpu, memory);
      } else {
        index.setLeaf(positionOf[i], score, cpu, memory);
      }
    }
  }
}
