package dev.orchestrator.scheduling;

import dev.orchestrator.spec.Toleration;
import static dev.orchestrator.scheduling.SchedulingFixtures.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.Resources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Invariants of {@link BatchScheduler#placeAll} on random clusters and batches, for the indexed and the scanning paths. */
class BatchPlacementProperties {

  @Provide
  Arbitrary<PipelineScheduler> schedulers() {
    return Arbitraries.of(Schedulers.spread(), Schedulers.binPack(), Schedulers.withDefaultFilters().score(Scores.mostAllocated(), 1).build(),
        Schedulers.withDefaultFilters().score(Scores.leastAllocated(), 1).score(Scores.mostAllocated(), 2).build(),
        Schedulers.withDefaultFilters().score(Scores.leastAllocated(), 2).score(Scores.topologySpread("zone"), 1)
            .score(Scores.imageLocality(), 1).build());
  }

  @Property(tries = 300)
  void noNodeIsOverCommittedAfterAnyBatch(@ForAll("schedulers") PipelineScheduler scheduler, @ForAll("clusters") ClusterSnapshot snapshot,
      @ForAll("requests") List<PlacementRequest> requests) {
    List<Placement> placements = scheduler.placeAll(requests, snapshot);

    ClusterSnapshot result = snapshot;
    for (int i = 0; i < requests.size(); i++) {
      if (placements.get(i).placed()) {
        result = result.withPlacement(placements.get(i).node().get(), requests.get(i));
      }
    }
    assertThat(result.nodes()).allSatisfy(n -> {
      assertThat(n.cpuFreeMillis()).isNotNegative();
      assertThat(n.memoryFreeBytes()).isNotNegative();
    });
  }

  /**
   * Fast path and full scan agree, replayed in the batch's order: same node, or one with the same
   * score; same explanation when nothing fits.
   */
  @Property(tries = 500)
  void theIndexedPathPicksANodeScoredAsHighAsTheFullScan(@ForAll("schedulers") PipelineScheduler scheduler,
      @ForAll("clusters") ClusterSnapshot snapshot, @ForAll("requests") List<PlacementRequest> requests) {
    List<Placement> fast = scheduler.placeAll(requests, snapshot);

    List<NodeSnapshot> state = new ArrayList<>(snapshot.nodes());
    int[] order = scheduler.interleaves() ? PipelineScheduler.interleaved(requests) : IntStream.range(0, requests.size()).toArray();
    for (int i : order) {
      PlacementRequest request = requests.get(i);
      Placement scan = scheduler.cycle(request, state);
      Placement chosen = fast.get(i);
      if (!scan.placed()) {
        assertThat(chosen).as("replica %d", i).isEqualTo(scan);
        continue;
      }
      assertThat(chosen.placed()).as("replica %d placed", i).isTrue();
      String node = chosen.node().get();
      List<NodeSnapshot> feasible = state.stream().filter(n -> scheduler.check(request, n) == Status.Code.FITS).toList();
      assertThat(feasible).extracting(NodeSnapshot::name).as("replica %d on a feasible node", i).contains(node);
      if (!node.equals(scan.node().get())) {
        double[] scores = scheduler.scores(request, state, feasible);
        List<String> names = feasible.stream().map(NodeSnapshot::name).toList();
        assertThat(request.preferredNode()).isNotIn(node, scan.node().get());
        assertThat(scores[names.indexOf(node)]).as("replica %d score", i).isCloseTo(scores[names.indexOf(scan.node().get())], within(1e-9));
      }
      int at = IntStream.range(0, state.size()).filter(k -> state.get(k).name().equals(node)).findFirst().orElseThrow();
      state.set(at, state.get(at).plus(request));
    }
  }

  @Property(tries = 300)
  void anUnplacedReplicaIsAlwaysExplained(@ForAll("schedulers") PipelineScheduler scheduler, @ForAll("clusters") ClusterSnapshot snapshot,
      @ForAll("requests") List<PlacementRequest> requests) {
    List<String> names = snapshot.nodes().stream().map(NodeSnapshot::name).toList();
    assertThat(scheduler.placeAll(requests, snapshot)).filteredOn(p -> !p.placed()).allSatisfy(p -> {
      assertThat(p.diagnosis()).isNotBlank();
      assertThat(p.rejections().stream().map(Placement.Rejection::node).distinct().toList()).isEqualTo(names);
      assertThat(p.rejections()).allSatisfy(r -> assertThat(r.reason()).isNotBlank());
    });
  }

  /** Equal replicas that each fit an empty node: if the nodes hold that many whole replicas, spread places them all. */
  @Property(tries = 300)
  void underSpreadEqualReplicasAreAllPlacedWhenWholeReplicaCapacitySuffices(@ForAll("bigNodes") List<NodeInfo> nodes,
      @ForAll @IntRange(min = 1, max = 1000) int cpu, @ForAll @IntRange(min = 1, max = 1024) int memoryMib,
      @ForAll @IntRange(min = 0, max = 200) int count) {
    Resources size = Resources.requests(cpu, memoryMib * MIB);
    long wholeReplicas = nodes.stream()
        .mapToLong(n -> Math.min(n.cpuMillis() / size.cpuMillis(), n.memoryBytes() / size.memoryBytes())).sum();
    Assume.that(wholeReplicas >= count);
    List<PlacementRequest> requests = IntStream.range(0, count)
        .mapToObj(i -> new PlacementRequest("svc-" + i % 3, i, size, List.of(), "")).toList();
    ClusterSnapshot snapshot = new ClusterSnapshot(nodes.stream().map(n -> new NodeSnapshot(n, true, 0, 0, Map.of())).toList());

    assertThat(Schedulers.spread().placeAll(requests, snapshot)).allMatch(Placement::placed);
  }

  @Provide
  Arbitrary<List<NodeInfo>> bigNodes() {
    return Combinators.combine(Arbitraries.longs().between(1000, 8000), Arbitraries.longs().between(1024, 8192))
        .as((c, m) -> new long[] {c, m * MIB}).list().ofMinSize(1).ofMaxSize(10)
        .map(sizes -> IntStream.range(0, sizes.size())
            .mapToObj(i -> new NodeInfo("node-" + i, sizes.get(i)[0], sizes.get(i)[1], Map.of(), "127.0.0.1")).toList());
  }

  /** Up to 12 nodes of a few sizes (so several share one), some labelled, tainted, busy, down or cordoned. */
  @Provide
  Arbitrary<ClusterSnapshot> clusters() {
    Arbitrary<long[]> size = Arbitraries.of(new long[] {2000, 2048}, new long[] {4000, 4096}, new long[] {4000, 1024}, new long[] {1000, 8192});
    Arbitrary<Map<String, String>> labels = Combinators.combine(
        Arbitraries.of("a", "b", "c", ""), Arbitraries.of("", "", "", "gpu"))
        .as((zone, taint) -> {
          Map<String, String> m = new HashMap<>();
          if (!zone.isEmpty()) {
            m.put("zone", zone);
          }
          if (!taint.isEmpty()) {
            m.put("taint.dedicated", taint);
          }
          return m;
        });
    Arbitrary<Double> used = Arbitraries.of(0.0, 0.0, 0.25, 0.5, 0.9, 1.0);
    Arbitrary<Integer> state = Arbitraries.integers().between(0, 19);
    Arbitrary<Map<String, Integer>> counts = Arbitraries.of(Map.of(), Map.of(), Map.of("web", 1), Map.of("db", 2, "web", 1));
    Arbitrary<String> image = Arbitraries.of("", "web:1", "db:1");
    return Combinators.combine(size, labels, used, state, counts, image).as((s, l, u, st, c, img) -> new Object[] {s, l, u, st, c, img})
        .list().ofMinSize(1).ofMaxSize(12)
        .map(specs -> {
          List<NodeSnapshot> nodes = new ArrayList<>();
          for (int i = 0; i < specs.size(); i++) {
            Object[] o = specs.get(i);
            long[] s = (long[]) o[0];
            @SuppressWarnings("unchecked")
            Map<String, String> l = (Map<String, String>) o[1];
            double u = (Double) o[2];
            int st = (Integer) o[3];
            @SuppressWarnings("unchecked")
            Map<String, Integer> c = (Map<String, Integer>) o[4];
            String img = (String) o[5];
            NodeInfo info = new NodeInfo("node-" + i, s[0], s[1] * MIB, l, "127.0.0.1");
            nodes.add(new NodeSnapshot(info, st != 0, (long) (u * s[0]), (long) (u * s[1]) * MIB, c, st == 1,
                img.isEmpty() ? Set.of() : Set.of(img)));
          }
          return new ClusterSnapshot(nodes);
        });
  }

  /** Requests of three services with repeated sizes, sometimes constrained, tolerant, anti-affine, limited or preferring a node. */
  @Provide
  Arbitrary<List<PlacementRequest>> requests() {
    Arbitrary<String> service = Arbitraries.of("web", "db", "cache");
    Arbitrary<long[]> size = Arbitraries.of(new long[] {0, 0}, new long[] {500, 512}, new long[] {1000, 256}, new long[] {250, 1024},
        new long[] {2000, 2048}, new long[] {100, 0}, new long[] {0, 64});
    Arbitrary<List<PlacementConstraint>> constraints = Arbitraries.of(List.of(), List.of(), List.of(PlacementConstraint.equals("zone", "a")),
        List.of(PlacementConstraint.in("zone", "a", "b")), List.of(PlacementConstraint.notEquals("zone", "c")));
    Arbitrary<Integer> extras = Arbitraries.integers().between(0, 63);
    return Combinators.combine(service, size, constraints, extras).as((s, z, c, x) -> {
      PlacementRequest r = new PlacementRequest(s, 0, Resources.requests(z[0], z[1] * MIB), c, (x & 7) == 7 ? "node-" + (x >> 3) : "");
      if ((x & 1) == 1) {
        r = r.withTolerations(List.of(Toleration.any("dedicated")));
      }
      if ((x & 6) == 2) {
        r = r.avoiding(Set.of(s));
      }
      if ((x & 6) == 4) {
        r = r.withMaxPerNode(1 + (x >> 4));
      }
      if ((x & 24) == 8) {
        r = r.withImage(s + ":1");
      }
      return r;
    }).list().ofMaxSize(60);
  }
}
