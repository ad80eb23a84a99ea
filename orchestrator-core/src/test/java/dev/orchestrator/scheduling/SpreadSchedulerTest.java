package dev.orchestrator.scheduling;

import static dev.orchestrator.scheduling.SchedulingFixtures.MIB;
import static dev.orchestrator.scheduling.SchedulingFixtures.allocated;
import static dev.orchestrator.scheduling.SchedulingFixtures.cluster;
import static dev.orchestrator.scheduling.SchedulingFixtures.node;
import static dev.orchestrator.scheduling.SchedulingFixtures.notReady;
import static dev.orchestrator.scheduling.SchedulingFixtures.preferring;
import static dev.orchestrator.scheduling.SchedulingFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.orchestrator.spec.PlacementConstraint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpreadSchedulerTest {
  private final SpreadScheduler scheduler = new SpreadScheduler();

  static Stream<Arguments> rejectedNodes() {
    NodeSnapshot small = node("node-1", 2000, 1024 * MIB);
    return Stream.of(
        arguments("a node that is not ready", notReady(node("node-2", 4000, 4096 * MIB)), request("web", 100, MIB),
            List.of(new Placement.Rejection("node-2", "ready", "node is not ready"))),
        arguments("a node with another label value", node("node-3", 4000, 4096 * MIB, Map.of("zone", "b")),
            request("web", 100, MIB, List.of(PlacementConstraint.equals("zone", "a"))),
            List.of(new Placement.Rejection("node-3", "constraints", "constraint zone==a not met (zone=b)"))),
        arguments("a node without the label", node("node-3", 4000, 4096 * MIB),
            request("web", 100, MIB, List.of(PlacementConstraint.exists("gpu"))),
            List.of(new Placement.Rejection("node-3", "constraints", "constraint gpu exists not met (gpu not set)"))),
        arguments("a node outside an IN set", node("node-4", 4000, 4096 * MIB, Map.of("disk", "hdd")),
            request("web", 100, MIB, List.of(PlacementConstraint.in("disk", "ssd", "nvme"))),
            List.of(new Placement.Rejection("node-4", "constraints", "constraint disk in [ssd, nvme] not met (disk=hdd)"))),
        arguments("a node with too little cpu free", allocated(small, 1500, 0, Map.of()), request("web", 1500, MIB),
            List.of(new Placement.Rejection("node-1", "resources", "insufficient cpu: requested 1500m, free 500m"))),
        arguments("a node with too little memory free", allocated(node("node-7", 4000, 1024 * MIB), 0, 768 * MIB, Map.of()),
            request("web", 100, 512 * MIB),
            List.of(new Placement.Rejection("node-7", "resources", "insufficient memory: requested 512 MiB, free 256 MiB"))),
        arguments("a node failing several filters", notReady(allocated(small, 1500, 768 * MIB, Map.of())),
            request("web", 1500, 512 * MIB, List.of(PlacementConstraint.notEquals("zone", "a"))),
            List.of(new Placement.Rejection("node-1", "ready", "node is not ready"),
                new Placement.Rejection("node-1", "resources", "insufficient cpu: requested 1500m, free 500m"),
                new Placement.Rejection("node-1", "resources", "insufficient memory: requested 512 MiB, free 256 MiB"))));
  }

  @ParameterizedTest(name = "{0} is rejected with its reason")
  @MethodSource("rejectedNodes")
  void aRejectedNodeIsExplainedWithNumbers(String description, NodeSnapshot node, PlacementRequest request,
      List<Placement.Rejection> expected) {
    Placement placement = scheduler.place(request, cluster(node));

    assertThat(placement.placed()).isFalse();
    assertThat(placement.rejections()).containsExactlyElementsOf(expected);
  }

  @Test
  void theDiagnosisNamesEveryNodeWithItsReason() {
    Placement placement = scheduler.place(request("web", 1500, 512 * MIB),
        cluster(allocated(node("node-1", 2000, 4096 * MIB), 1500, 0, Map.of()),
            allocated(node("node-7", 4000, 1024 * MIB), 0, 768 * MIB, Map.of())));

    assertThat(placement.diagnosis()).isEqualTo(
        "node-1: insufficient cpu: requested 1500m, free 500m; node-7: insufficient memory: requested 512 MiB, free 256 MiB");
  }

  @Test
  void aZeroRequestFitsANodeWithZeroCapacity() {
    assertThat(scheduler.place(request("web", 0, 0), cluster(node("node-1", 0, 0))).node()).contains("node-1");
  }

  static Stream<Arguments> scoreOrder() {
    return Stream.of(
        arguments("fewer replicas of the same service wins over more free resources",
            cluster(allocated(node("a", 4000, 4096 * MIB), 0, 0, Map.of("web", 1)),
                allocated(node("b", 4000, 4096 * MIB), 3000, 3072 * MIB, Map.of())),
            request("web", 100, MIB), "b"),
        arguments("replicas of other services do not count for spread",
            cluster(allocated(node("a", 4000, 4096 * MIB), 0, 0, Map.of("db", 3)),
                allocated(node("b", 4000, 4096 * MIB), 1000, 1024 * MIB, Map.of())),
            request("web", 100, MIB), "a"),
        arguments("with equal spread the least allocated node wins",
            cluster(allocated(node("a", 4000, 4096 * MIB), 2000, 2048 * MIB, Map.of()),
                allocated(node("b", 4000, 4096 * MIB), 1000, 1024 * MIB, Map.of())),
            request("web", 100, MIB), "b"),
        arguments("free fractions are relative to each node's size",
            cluster(allocated(node("a", 8000, 8192 * MIB), 4000, 4096 * MIB, Map.of()),
                allocated(node("b", 2000, 2048 * MIB), 500, 512 * MIB, Map.of())),
            request("web", 100, MIB), "b"),
        arguments("a node with no memory counts as free in memory for a cpu-only request",
            cluster(node("a", 4000, 0), allocated(node("b", 4000, 4096 * MIB), 0, 1024 * MIB, Map.of())),
            request("web", 1000, 0), "a"),
        arguments("a full tie goes to the smallest name",
            cluster(node("c", 4000, 4096 * MIB), node("b", 4000, 4096 * MIB), node("d", 4000, 4096 * MIB)),
            request("web", 100, MIB), "b"),
        arguments("an infeasible node never wins however empty",
            cluster(node("a", 500, 4096 * MIB), allocated(node("b", 4000, 4096 * MIB), 3000, 3072 * MIB, Map.of("web", 5))),
            request("web", 1000, MIB), "b"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scoreOrder")
  void feasibleNodesAreRankedBySpreadThenFreeResourcesThenName(String description, ClusterSnapshot snapshot,
      PlacementRequest request, String expected) {
    assertThat(scheduler.place(request, snapshot).node()).contains(expected);
  }

  static Stream<Arguments> leastAllocatedScores() {
    return Stream.of(
        arguments(node("n", 1000, 1000), request("s", 0, 0), 1.0),
        arguments(node("n", 1000, 1000), request("s", 500, 0), 0.75),
        arguments(allocated(node("n", 1000, 1000), 500, 500, Map.of()), request("s", 500, 500), 0.0),
        arguments(node("n", 0, 1000), request("s", 0, 500), 0.75));
  }

  @ParameterizedTest(name = "{1} on {0} scores {2}")
  @MethodSource("leastAllocatedScores")
  void theLeastAllocatedScoreAveragesTheFreeFractionsAfterPlacement(NodeSnapshot node, PlacementRequest request, double expected) {
    assertThat(SpreadScheduler.leastAllocatedScore(request, node)).isEqualTo(expected);
  }

  @Test
  void aFeasiblePreferredNodeIsChosenOverBetterScoredNodes() {
    ClusterSnapshot snapshot = cluster(allocated(node("a", 4000, 4096 * MIB), 3000, 3072 * MIB, Map.of("web", 2)),
        node("b", 4000, 4096 * MIB));

    assertThat(scheduler.place(preferring(request("web", 500, MIB), "a"), snapshot).node()).contains("a");
  }

  @Test
  void anInfeasiblePreferredNodeFallsBackToScoring() {
    ClusterSnapshot snapshot = cluster(notReady(node("a", 4000, 4096 * MIB)), node("b", 4000, 4096 * MIB));

    assertThat(scheduler.place(preferring(request("web", 500, MIB), "a"), snapshot).node()).contains("b");
  }

  @Test
  void theSameInputAlwaysGivesTheSamePlacementWhateverTheNodeOrder() {
    List<NodeSnapshot> nodes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      nodes.add(allocated(node("node-" + i, 4000, 4096 * MIB), (i % 3) * 1000, (i % 3) * 1024 * MIB, Map.of("web", i % 2)));
    }
    PlacementRequest request = request("web", 500, 256 * MIB);
    String first = scheduler.place(request, new ClusterSnapshot(nodes)).node().orElseThrow();

    for (long seed = 0; seed < 10; seed++) {
      Collections.shuffle(nodes, new Random(seed));
      assertThat(scheduler.place(request, new ClusterSnapshot(nodes)).node()).contains(first);
    }
  }

  @Test
  void placingABatchSpreadsAServiceAndNeverOverCommitsANode() {
    ClusterSnapshot snapshot = cluster(node("a", 2000, 2048 * MIB), node("b", 2000, 2048 * MIB));
    List<PlacementRequest> requests = List.of(request("web", 1000, MIB), request("web", 1000, MIB),
        request("web", 1000, MIB), request("web", 1000, MIB), request("web", 1000, MIB));

    List<Placement> placements = SpreadScheduler.placeAll(scheduler, requests, snapshot);

    assertThat(placements).extracting(p -> p.node().orElse("-")).containsExactly("a", "b", "a", "b", "-");
    assertThat(placements.get(4).diagnosis()).isEqualTo(
        "a: insufficient cpu: requested 1000m, free 0m; b: insufficient cpu: requested 1000m, free 0m");
  }
}
