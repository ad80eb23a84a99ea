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
  /** The nodes as given, for filters whose verdict does not change with placements. */
  private final NodeSnapshot[] given;
  /** The nodes as last rebuilt; {@link #snapshot} brings one up to date. */
  private final NodeSnapshot[] nodes;
  private final List<List<PlacementRequest>> pending;
  private final long[] cpuCapacity;
  private final long[] memoryCapacity;
  private final long[] cpuAllocated;
  private final long[] memoryAllocated;
  /** Each node's score at its current allocation, shared by every class. */
  private final double[] scoreNow;
  private final Map<String, Integer> byName = new HashMap<>();
  private final int[] sizeOf;
  private final int[] positionOf;
  private final int[][] nodesOfSize;
  private final Map<PlacementRequest, NodeClass> classes = new HashMap<>();
  /**
   * Per class, the smallest CPU and memory any of its requests in this batch asks for. Free
   * resources only shrink during a batch, so a node with less free than that never fits the class
   * again and leaves its index.
   */
  private final Map<PlacementRequest, long[]> smallest = new HashMap<>();
  /**
   * Verdicts of the fixed filters on each given node, shared by classes that differ only in their
   * service when every fixed filter is a built-in one (none reads the service name).
   */
  private final Map<PlacementRequest, Status.Code[]> fixedVerdicts = new HashMap<>();
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
    PlacementRequest previous = null;
    long[] least = null;
    for (PlacementRequest r : requests) {
      if (previous == null || !sameClass(previous, r)) {
        least = smallest.computeIfAbsent(r.placementClass(), k -> new long[] {Long.MAX_VALUE, Long.MAX_VALUE});
        previous = r;
      }
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
    /** Filters read on the given nodes once, and filters read again after each placement on a node. */
    final List<FilterPlugin> fixed = new ArrayList<>();
    final List<FilterPlugin> changing = new ArrayList<>();
    final boolean[] passesFixed = new boolean[nodes.length];
    final boolean[] eligible = new boolean[nodes.length];
    final NodeIndex[] indexes = new NodeIndex[nodesOfSize.length];
    /** The smallest request of the class in this batch: {cpu, memory}. */
    final long[] least;
    int errorNode = -1;
    int seen = changeCount;

    NodeClass(PlacementRequest key) {
      this.key = Objects.requireNonNull(key);
      this.least = smallest.get(key);
      for (FilterPlugin f : scheduler.filters()) {
        (f.changesWithPlacements(key) ? changing : fixed).add(f);
      }
      Status.Code[] fixedCodes = fixedVerdicts();
      for (int s = 0; s < nodesOfSize.length; s++) {
        indexes[s] = new NodeIndex(nodesOfSize[s].length);
        for (int i : nodesOfSize[s]) {
          evaluate(i, fixedCodes);
          setLeaf(i, false);
        }
        indexes[s].rebuild();
      }
    }

    /** Re-reads the nodes changed since this class was last used. */
    void refresh() {
      for (; seen < changeCount; seen++) {
        int i = changes[seen];
        if (!changing.isEmpty()) {
          evaluate(i, null);
        }
        setLeaf(i, true);
      }
    }

    private Status.Code[] fixedVerdicts() {
      boolean builtIn = fixed.stream().allMatch(Filters::isBuiltIn);
      PlacementRequest shared = builtIn ? key.forService("") : key;
      if (!builtIn) {
        return verdicts(shared);
      }
      return IndexedBatch.this.fixedVerdicts.computeIfAbsent(shared, this::verdicts);
    }

    private Status.Code[] verdicts(PlacementRequest request) {
      Status.Code[] codes = new Status.Code[given.length];
      for (int i = 0; i < given.length; i++) {
        codes[i] = PipelineScheduler.check(fixed, request, given[i]);
      }
      return codes;
    }

    /** Reads the changing filters, and the fixed ones the first time. */
    private void evaluate(int i, Status.Code[] fixedCodes) {
      if (fixedCodes != null) {
        passesFixed[i] = fixedCodes[i] == Status.Code.FITS;
        recordError(fixedCodes[i], i);
      }
      eligible[i] = passesFixed[i];
      if (eligible[i] && !changing.isEmpty()) {
        Status.Code code = PipelineScheduler.check(changing, key, snapshot(i));
        eligible[i] = code == Status.Code.FITS;
        recordError(code, i);
      }
    }

    private void recordError(Status.Code code, int i) {
      if (code == Status.Code.ERROR && errorNode < 0) {
        errorNode = i;
      }
    }

    private void setLeaf(int i, boolean propagate) {
      NodeIndex index = indexes[sizeOf[i]];
      long cpuFree = cpuCapacity[i] - cpuAllocated[i];
      long memoryFree = memoryCapacity[i] - memoryAllocated[i];
      boolean takes = eligible[i] && (!resourceFit
          || Filters.ResourceFit.fits(least[0], cpuFree) && Filters.ResourceFit.fits(least[1], memoryFree));
      double score = takes ? scoreNow[i] : Double.NEGATIVE_INFINITY;
      long cpu = takes ? cpuFree : NodeIndex.NONE;
      long memory = takes ? memoryFree : NodeIndex.NONE;
      if (propagate) {
        index.update(positionOf[i], score, cpu, memory);
      } else {
        index.setLeaf(positionOf[i], score, cpu, memory);
      }
    }
  }
}
