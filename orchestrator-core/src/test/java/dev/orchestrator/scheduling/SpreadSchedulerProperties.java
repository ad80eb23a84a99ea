package dev.orchestrator.scheduling;

import static dev.orchestrator.scheduling.SchedulingFixtures.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.spec.Resources;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class SpreadSchedulerProperties {
  private final SpreadScheduler scheduler = new SpreadScheduler();

  @Property(tries = 300)
  void afterABatchNoNodeIsOverCommitted(@ForAll("nodes") List<NodeInfo> nodes, @ForAll("requests") List<PlacementRequest> requests) {
    ClusterSnapshot snapshot = cluster(nodes);
    List<Placement> placements = SpreadScheduler.placeAll(scheduler, requests, snapshot);

    ClusterSnapshot result = snapshot;
    for (int i = 0; i < requests.size(); i++) {
      if (placements.get(i).placed()) {
        result = result.withPlacement(placements.get(i).node().get(), requests.get(i).service(), requests.get(i).resources());
      }
    }
    assertThat(result.nodes()).allSatisfy(n -> {
      assertThat(n.cpuFreeMillis()).isNotNegative();
      assertThat(n.memoryFreeBytes()).isNotNegative();
    });
  }

  @Property(tries = 300)
  void anUnplacedReplicaHasARejectionForEveryNode(@ForAll("nodes") List<NodeInfo> nodes, @ForAll("requests") List<PlacementRequest> requests) {
    List<Placement> placements = SpreadScheduler.placeAll(scheduler, requests, cluster(nodes));
    List<String> names = nodes.stream().map(NodeInfo::name).sorted().toList();

    assertThat(placements).filteredOn(p -> !p.placed()).allSatisfy(p ->
        assertThat(p.rejections().stream().map(Placement.Rejection::node).distinct().sorted().toList()).isEqualTo(names));
  }

  /**
   * Equal-sized replicas, each fitting any empty node: if the nodes hold at least as many whole
   * replicas as requested, greedy placement places them all.
   */
  @Property(tries = 300)
  void equalReplicasAreAllPlacedWhenWholeReplicaCapacitySuffices(@ForAll("bigNodes") List<NodeInfo> nodes,
      @ForAll @IntRange(min = 1, max = 1000) int cpu, @ForAll @IntRange(min = 1, max = 1024) int memoryMib,
      @ForAll @IntRange(min = 0, max = 60) int count) {
    Resources size = Resources.requests(cpu, memoryMib * MIB);
    long wholeReplicas = nodes.stream()
        .mapToLong(n -> Math.min(n.cpuMillis() / size.cpuMillis(), n.memoryBytes() / size.memoryBytes()))
        .sum();
    Assume.that(wholeReplicas >= count);
    List<PlacementRequest> requests = IntStream.range(0, count)
        .mapToObj(i -> new PlacementRequest("svc-" + i % 3, i, size, List.of(), ""))
        .toList();

    assertThat(SpreadScheduler.placeAll(scheduler, requests, cluster(nodes))).allMatch(Placement::placed);
  }

  @Provide
  Arbitrary<List<NodeInfo>> bigNodes() {
    return nodesSized(Arbitraries.longs().between(1000, 8000), Arbitraries.longs().between(1024, 8192));
  }

  @Provide
  Arbitrary<List<NodeInfo>> nodes() {
    return nodesSized(Arbitraries.longs().between(0, 8000), Arbitraries.longs().between(0, 8192));
  }

  private static Arbitrary<List<NodeInfo>> nodesSized(Arbitrary<Long> cpuMillis, Arbitrary<Long> memoryMib) {
    return Combinators.combine(cpuMillis, memoryMib).as((c, m) -> new long[] {c, m * MIB})
        .list().ofMinSize(1).ofMaxSize(8)
        .map(sizes -> IntStream.range(0, sizes.size())
            .mapToObj(i -> new NodeInfo("node-" + i, sizes.get(i)[0], sizes.get(i)[1], Map.of(), "127.0.0.1"))
            .toList());
  }

  @Provide
  Arbitrary<List<PlacementRequest>> requests() {
    Arbitrary<String> service = Arbitraries.of("web", "db", "cache");
    Arbitrary<Long> cpu = Arbitraries.longs().between(0, 3000);
    Arbitrary<Long> memory = Arbitraries.longs().between(0, 3072).map(m -> m * MIB);
    return Combinators.combine(service, cpu, memory)
        .as((s, c, m) -> new PlacementRequest(s, 0, Resources.requests(c, m), List.of(), ""))
        .list().ofMaxSize(40);
  }

  private static ClusterSnapshot cluster(List<NodeInfo> nodes) {
    return new ClusterSnapshot(nodes.stream().map(n -> new NodeSnapshot(n, true, 0, 0, Map.of())).collect(Collectors.toList()));
  }
}
