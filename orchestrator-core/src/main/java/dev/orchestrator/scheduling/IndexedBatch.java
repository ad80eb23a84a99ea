package dev.orchestrator.scheduling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Batch placement for a pipeline whose scores are all allocation scores. Such a score is linear in
 * what a node has allocated, so among nodes of one size the order by score does not depend on the
 * request. The nodes that pass the filters for a placement class (the request without resources,
 * see {@link PlacementRequest#placementClass()}) sit in {@link NodeIndex}es, one per node size,
 * keyed by score with their free resources; the best of each size is compared on its full score.
 * Classes whose filters do not change with placements share one index when their fixed verdicts
 * are the same (e.g. services differing only in name). A placement updates the node's accounting
 * and appends it to a change log; each index re-reads the changed nodes when next used. Node
 * snapshots are rebuilt only for filters that change with placements and for explanations.
 */
final class IndexedBatch {
  private final PipelineScheduler scheduler;
  private final Scores.AllocationScore[] scorers;
  private final int[] weights;
  private final boolean resourceFit;
  /** The nodes as given, for filters whose verdict does not change with placements. */
  private final NodeSnapshot[] given;
  /** The nodes as last rebuilt; {@link #snapshot} brings one up to date. */
  private final NodeSnapshot[] nodes;
  private final List<List<PlacementRequest>> pending;
  private final long[] cpuCapacity;
  private final long[] memoryCapacity;
  private final long[] cpuAllocated;
  private final long[] memoryAllocated;
  /** Each node's score at its current allocation, shared by every index. */
  private final double[] scoreNow;
  private final Map<String, Integer> byName = new HashMap<>();
  private final int[] sizeOf;
  private final int[] positionOf;
  private final int[][] nodesOfSize;
  private final Map<PlacementRequest, NodeClass> classes = new HashMap<>();
  private final Map<PlacementRequest, Verdicts> fixedVerdicts = new HashMap<>();
  private final Map<IndexKey, Index> indexes = new HashMap<>();
  /**
   * Per index, the smallest CPU and memory any of its requests in this batch asks for. Free
   * resources only shrink during a batch, so a node with less free than that never fits again and
   * leaves the index.
   */
  private final Map<IndexKey, long[]> smallest = new HashMap<>();
  private int[] changes = new int[1024];
  private int changeCount;
  private final Map<String, NodeClass> lastOfService = new HashMap<>();

  /** Verdicts of a class's fixed filters on every given node, and the first node where one erred (or -1). */
  private record Verdicts(Status.Code[] codes, int firstError) {}

  /** An index of its own (for a class with filters that change with placements) or a shared one. */
  private record IndexKey(PlacementRequest request, boolean shared) {}

  static boolean supports(PipelineScheduler scheduler) {
    return scheduler.scorers().stream().allMatch(s -> s instanceof Scores.AllocationScore);
  }

  IndexedBatch(PipelineScheduler scheduler, ClusterSnapshot snapshot) {
    this.scheduler = scheduler;
    this.scorers = scheduler.scorers().toArray(new Scores.AllocationScore[0]);
    this.weights = scheduler.weights().stream().mapToInt(Integer::intValue).toArray();
    this.resourceFit = scheduler.filters().stream().anyMatch(f -> f instanceof Filters.ResourceFit);
    this.given = snapshot.nodes().toArray(new NodeSnapshot[0]);
    this.nodes = given.clone();
    int n = nodes.length;
    pending = new ArrayList<>(n);
    cpuCapacity = new long[n];
    memoryCapacity = new long[n];
    cpuAllocated = new long[n];
    memoryAllocated = new long[n];
    scoreNow = new double[n];
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
      scoreNow[i] = score(i, 0, 0);
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
    for (PlacementRequest r : requests) {
      long[] least = smallest.computeIfAbsent(classOf(r).indexKey, k -> new long[] {Long.MAX_VALUE, Long.MAX_VALUE});
      least[0] = Math.min(least[0], r.resources().cpuMillis());
      least[1] = Math.min(least[1], r.resources().memoryBytes());
    }
    List<Placement> placements = new ArrayList<>(requests.size());
    for (PlacementRequest request : requests) {
      placements.add(place(request));
    }
    return placements;
  }

  private Placement place(PlacementRequest request) {
    NodeClass c = classOf(request);
    Index index = c.index();
    index.refresh();
    int error = c.verdicts.firstError() >= 0 ? c.verdicts.firstError() : index.errorNode;
    if (error >= 0) {
      return scheduler.failure(c.key, snapshot(error));
    }
    int chosen = preferred(index, request);
    if (chosen < 0) {
      chosen = best(index, request);
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
    scoreNow[chosen] = score(chosen, 0, 0);
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

  private int preferred(Index index, PlacementRequest request) {
    Integer i = request.preferredNode().isEmpty() ? null : byName.get(request.preferredNode());
    boolean fits = i != null && index.eligible[i]
        && (!resourceFit || Filters.ResourceFit.fits(request.resources().cpuMillis(), cpuCapacity[i] - cpuAllocated[i])
            && Filters.ResourceFit.fits(request.resources().memoryBytes(), memoryCapacity[i] - memoryAllocated[i]));
    return fits ? i : -1;
  }

  /** The best node over every size, or -1. */
  private int best(Index index, PlacementRequest request) {
    long cpu = request.resources().cpuMillis();
    long memory = request.resources().memoryBytes();
    long needCpu = resourceFit && cpu != 0 ? cpu : NodeIndex.NONE;
    long needMemory = resourceFit && memory != 0 ? memory : NodeIndex.NONE;
    int best = -1;
    double bestScore = 0;
    for (int s = 0; s < nodesOfSize.length; s++) {
      int pos = index.trees[s].find(needCpu, needMemory);
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

  /** The request's class; the last class of each service is found without building a key. */
  private NodeClass classOf(PlacementRequest request) {
    NodeClass c = lastOfService.get(request.service());
    if (c == null || !sameClass(c.key, request)) {
      c = classes.computeIfAbsent(request.placementClass(), NodeClass::new);
      lastOfService.put(request.service(), c);
    }
    return c;
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

  /** One placement class: its filters split by whether they change with placements, and its index. */
  private final class NodeClass {
    final PlacementRequest key;
    final List<FilterPlugin> fixed = new ArrayList<>();
    final List<FilterPlugin> changing = new ArrayList<>();
    final Verdicts verdicts;
    final IndexKey indexKey;
    private Index index;

    NodeClass(PlacementRequest key) {
      this.key = key;
      for (FilterPlugin f : scheduler.filters()) {
        (f.changesWithPlacements(key) ? changing : fixed).add(f);
      }
      // built-in fixed filters do not read the service name: classes differing only in it share
      PlacementRequest shared = fixed.stream().allMatch(Filters::isBuiltIn) ? key.forService("") : key;
      verdicts = fixedVerdicts.computeIfAbsent(shared, this::verdicts);
      indexKey = changing.isEmpty() ? new IndexKey(shared, true) : new IndexKey(key, false);
    }

    private Verdicts verdicts(PlacementRequest request) {
      Status.Code[] codes = new Status.Code[given.length];
      int firstError = -1;
      for (int i = 0; i < given.length; i++) {
        codes[i] = PipelineScheduler.check(fixed, request, given[i]);
        if (codes[i] == Status.Code.ERROR && firstError < 0) {
          firstError = i;
        }
      }
      return new Verdicts(codes, firstError);
    }

    Index index() {
      if (index == null) {
        index = indexes.computeIfAbsent(indexKey, k -> new Index(this, smallest.get(k)));
      }
      return index;
    }
  }

  /** The nodes that pass a class's filters, per node size, with the nodes too full for its smallest request left out. */
  private final class Index {
    final NodeClass owner;
    final long[] least;
    final boolean[] eligible = new boolean[nodes.length];
    final NodeIndex[] trees = new NodeIndex[nodesOfSize.length];
    int errorNode = -1;
    int seen = changeCount;

    Index(NodeClass owner, long[] least) {
      this.owner = owner;
      this.least = least;
      for (int s = 0; s < nodesOfSize.length; s++) {
        trees[s] = new NodeIndex(nodesOfSize[s].length);
        for (int i : nodesOfSize[s]) {
          evaluate(i);
          setLeaf(i, false);
        }
        trees[s].rebuild();
      }
    }

    /** Re-reads the nodes changed since this index was last used. */
    void refresh() {
      for (; seen < changeCount; seen++) {
        int i = changes[seen];
        if (!owner.changing.isEmpty()) {
          evaluate(i);
        }
        setLeaf(i, true);
      }
    }

    private void evaluate(int i) {
      eligible[i] = owner.verdicts.codes()[i] == Status.Code.FITS;
      if (eligible[i] && !owner.changing.isEmpty()) {
        Status.Code code = PipelineScheduler.check(owner.changing, owner.key, snapshot(i));
        eligible[i] = code == Status.Code.FITS;
        if (code == Status.Code.ERROR && errorNode < 0) {
          errorNode = i;
        }
      }
    }

    private void setLeaf(int i, boolean propagate) {
      long cpuFree = cpuCapacity[i] - cpuAllocated[i];
      long memoryFree = memoryCapacity[i] - memoryAllocated[i];
      boolean takes = eligible[i] && (!resourceFit
          || Filters.ResourceFit.fits(least[0], cpuFree) && Filters.ResourceFit.fits(least[1], memoryFree));
      double score = takes ? scoreNow[i] : Double.NEGATIVE_INFINITY;
      long cpu = takes ? cpuFree : NodeIndex.NONE;
      long memory = takes ? memoryFree : NodeIndex.NONE;
      if (propagate) {
        trees[sizeOf[i]].update(positionOf[i], score, cpu, memory);
      } else {
        trees[sizeOf[i]].setLeaf(positionOf[i], score, cpu, memory);
      }
    }
  }
}
