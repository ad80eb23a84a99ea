package dev.orchestrator.scheduling;

import static dev.orchestrator.scheduling.SchedulingFixtures.MIB;
import static dev.orchestrator.scheduling.SchedulingFixtures.allocated;
import static dev.orchestrator.scheduling.SchedulingFixtures.node;
import static dev.orchestrator.scheduling.SchedulingFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ScoresTest {

  static Stream<Arguments> nodeScores() {
    NodeSnapshot empty = node("n", 1000, 1000 * MIB);
    NodeSnapshot half = allocated(empty, 500, 500 * MIB, Map.of());
    return Stream.of(
        arguments(Scores.leastAllocated(), empty, request("s", 0, 0), 100.0),
        arguments(Scores.leastAllocated(), empty, request("s", 500, 0), 75.0),
        arguments(Scores.leastAllocated(), half, request("s", 500, 500 * MIB), 0.0),
        arguments(Scores.leastAllocated(), node("n", 0, 1000 * MIB), request("s", 0, 500 * MIB), 75.0),
        arguments(Scores.leastAllocated(), node("n", 1000, 1000 * MIB), request("s", 1, 0), 99.95),
        arguments(Scores.mostAllocated(), empty, request("s", 0, 0), 0.0),
        arguments(Scores.mostAllocated(), empty, request("s", 500, 0), 25.0),
        arguments(Scores.mostAllocated(), half, request("s", 500, 500 * MIB), 100.0),
        arguments(Scores.mostAllocated(), node("n", 0, 1000 * MIB), request("s", 0, 500 * MIB), 25.0),
        arguments(Scores.mostAllocated(), node("n", 1000, 1000 * MIB), request("s", 1, 0), 0.05),
        arguments(Scores.imageLocality(), nodeWithImages("web:1"), request("s", 1, 1).withImage("web:1"), 100.0),
        arguments(Scores.imageLocality(), nodeWithImages("web:2"), request("s", 1, 1).withImage("web:1"), 0.0),
        arguments(Scores.imageLocality(), nodeWithImages("web:1"), request("s", 1, 1), 0.0));
  }

  private static NodeSnapshot nodeWithImages(String... images) {
    NodeSnapshot n = node("n", 1000, 1000 * MIB);
    return new NodeSnapshot(n.info(), true, 0, 0, Map.of(), false, Set.of(images));
  }

  @ParameterizedTest(name = "{0}: {2} on {1} scores {3}")
  @MethodSource("nodeScores")
  void eachNodeScoreIsExact(ScorePlugin plugin, NodeSnapshot node, PlacementRequest request, double expected) {
    double[] scores = new double[1];
    plugin.score(request, List.of(node), List.of(node), scores);
    plugin.normalize(scores);
    assertThat(scores[0]).isCloseTo(expected, within(1e-9));
  }

  @Test
  void nearlyEmptyNodesStayApartUnlikeIntegerScores() {
    NodeSnapshot a = allocated(node("a", 64000, 256 * 1024 * MIB), 100, 64 * MIB, Map.of());
    NodeSnapshot b = allocated(node("b", 64000, 256 * 1024 * MIB), 200, 128 * MIB, Map.of());
    NodeScorePlugin most = (NodeScorePlugin) Scores.mostAllocated();
    assertThat(most.score(request("s", 100, MIB), b)).isGreaterThan(most.score(request("s", 100, MIB), a));
  }

  static Stream<Arguments> topology() {
    NodeSnapshot a1 = allocated(node("a1", 1000, MIB, Map.of("zone", "a")), 0, 0, Map.of("web", 2));
    NodeSnapshot a2 = allocated(node("a2", 1000, MIB, Map.of("zone", "a")), 0, 0, Map.of("web", 1, "db", 5));
    NodeSnapshot b1 = allocated(node("b1", 1000, MIB, Map.of("zone", "b")), 0, 0, Map.of("web", 1));
    NodeSnapshot c1 = node("c1", 1000, MIB, Map.of("zone", "c"));
    NodeSnapshot none = allocated(node("x", 1000, MIB), 0, 0, Map.of("web", 2));
    return Stream.of(
        arguments("the emptiest zone scores 100, the fullest 0", List.of(a1, a2, b1, c1), List.of(a2, b1, c1), new double[] {0, 100 * 2 / 3.0, 100}),
        arguments("replicas on infeasible nodes of a zone count", List.of(a1, a2, b1), List.of(a2, b1), new double[] {0, 100}),
        arguments("nodes without the label form one domain", List.of(a1, none, c1), List.of(none, c1), new double[] {0, 100}),
        arguments("all domains equal score 100", List.of(b1, a2), List.of(b1, a2), new double[] {100, 100}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("topology")
  void topologySpreadPrefersTheZoneWithFewestReplicasOfTheService(String description, List<NodeSnapshot> nodes,
      List<NodeSnapshot> feasible, double[] expected) {
    ScorePlugin plugin = Scores.topologySpread("zone");
    double[] scores = new double[feasible.size()];
    plugin.score(request("web", 1, 1), nodes, feasible, scores);
    plugin.normalize(scores);
    assertThat(scores).containsExactly(expected, within(1e-9));
  }

  static Stream<Arguments> minMax() {
    return Stream.of(
        arguments(new double[] {2, 4, 6}, new double[] {0, 50, 100}),
        arguments(new double[] {-3, -1}, new double[] {0, 100}),
        arguments(new double[] {7, 7}, new double[] {100, 100}),
        arguments(new double[] {5}, new double[] {100}),
        arguments(new double[] {}, new double[] {}));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("minMax")
  void minMaxNormalizationMapsTheRangeTo0To100(double[] raw, double[] expected) {
    ScorePlugin.minMax(raw);
    assertThat(raw).containsExactly(expected, within(1e-9));
  }
}
