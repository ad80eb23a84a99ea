package dev.orchestrator.scheduling;

import static dev.orchestrator.scheduling.SchedulingFixtures.MIB;
import static dev.orchestrator.scheduling.SchedulingFixtures.allocated;
import static dev.orchestrator.scheduling.SchedulingFixtures.cluster;
import static dev.orchestrator.scheduling.SchedulingFixtures.node;
import static dev.orchestrator.scheduling.SchedulingFixtures.notReady;
import static dev.orchestrator.scheduling.SchedulingFixtures.preferring;
import static dev.orchestrator.scheduling.SchedulingFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PipelineSchedulerTest {
  /** Node "a" is half full and has the image; node "b" is empty; both in zone "z" with a web replica on "a". */
  private static final ClusterSnapshot TWO = cluster(
      new NodeSnapshot(node("a", 4000, 4096 * MIB, Map.of("zone", "z")).info(), true, 2000, 2048 * MIB, Map.of("web", 1), false, Set.of("web:1")),
      node("b", 4000, 4096 * MIB, Map.of("zone", "y")));

  static Stream<Arguments> weighted() {
    PlacementRequest web = request("web", 100, MIB).withImage("web:1");
    return Stream.of(
        arguments("least-allocated alone picks the empty node", Schedulers.spread(), web, "b"),
        arguments("most-allocated alone picks the fuller node", Schedulers.binPack(), web, "a"),
        arguments("image locality at weight 1 does not outweigh least-allocated (scores 100 vs about 50)",
            Schedulers.withDefaultFilters().score(Scores.leastAllocated(), 1).score(Scores.imageLocality(), 1).build(), web, "a"),
        arguments("least-allocated at weight 3 outweighs image locality",
            Schedulers.withDefaultFilters().score(Scores.leastAllocated(), 3).score(Scores.imageLocality(), 1).build(), web, "b"),
        arguments("topology spread avoids the zone with a replica of the service",
            Schedulers.withDefaultFilters().score(Scores.topologySpread("zone"), 1).build(), web, "b"),
        arguments("without score plugins the first feasible node by name wins",
            Schedulers.withDefaultFilters().build(), web, "a"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("weighted")
  void weightedScoresDecide(String description, PipelineScheduler scheduler, PlacementRequest request, String expected) {
    assertThat(scheduler.place(request, TWO).node()).contains(expected);
    assertThat(scheduler.placeAll(List.of(request), TWO).get(0).node()).contains(expected);
  }

  @Test
  void theTotalIsTheWeightedSumOfNormalizedScores() {
    PipelineScheduler scheduler = Schedulers.builder().score(Scores.leastAllocated(), 2).score(Scores.imageLocality(), 3).build();
    PlacementRequest request = request("web", 0, 0).withImage("web:1");
    double[] totals = scheduler.scores(request, TWO.nodes(), TWO.nodes());
    assertThat(totals).containsExactly(2 * 50.0 + 3 * 100, 2 * 100.0 + 3 * 0);
  }

  @Test
  void aWeightBelowOneIsRefused() {
    assertThatThrownBy(() -> Schedulers.builder().score(Scores.leastAllocated(), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight must be >= 1");
  }

  private static final FilterPlugin BROKEN = new FilterPlugin() {
    @Override
    public String name() {
      return "broken";
    }

    @Override
    public Status filter(PlacementRequest request, NodeSnapshot node) {
      return node.name().equals("b") ? Status.error("cannot read the node's disk list") : Status.fits();
    }
  };

  private static final FilterPlugin THROWING = new FilterPlugin() {
    @Override
    public String name() {
      return "throwing";
    }

    @Override
    public Status filter(PlacementRequest request, NodeSnapshot node) {
      throw new IllegalStateException("boom on " + node.name());
    }
  };

  @Test
  void aFilterErrorFailsTheCycleAndIsReportedAsAnErrorNotAsDoesNotFit() {
    PipelineScheduler scheduler = Schedulers.withDefaultFilters().filter(BROKEN).score(Scores.leastAllocated(), 1).build();
    for (Placement p : List.of(scheduler.place(request("web", 1, 1), TWO), scheduler.placeAll(List.of(request("web", 1, 1)), TWO).get(0))) {
      assertThat(p.placed()).isFalse();
      assertThat(p.failed()).isTrue();
      assertThat(p.rejections()).containsExactly(new Placement.Rejection("b", "broken", "cannot read the node's disk list", true));
      assertThat(p.diagnosis()).isEqualTo("b: error in broken: cannot read the node's disk list");
    }
  }

  @Test
  void aThrowingFilterIsAnError() {
    Placement p = Schedulers.builder().filter(THROWING).build().place(request("web", 1, 1), TWO);
    assertThat(p.failed()).isTrue();
    assertThat(p.diagnosis()).isEqualTo("a: error in throwing: java.lang.IllegalStateException: boom on a");
  }

  @Test
  void aThrowingScorePluginIsAnError() {
    ScorePlugin bad = new NodeScorePlugin() {
      @Override
      public String name() {
        return "bad";
      }

      @Override
      public double score(PlacementRequest request, NodeSnapshot node) {
        throw new ArithmeticException("overflow");
      }
    };
    Placement p = Schedulers.builder().score(bad, 1).build().place(request("web", 1, 1), TWO);
    assertThat(p.failed()).isTrue();
    assertThat(p.diagnosis()).isEqualTo("*: error in scoring: java.lang.ArithmeticException: overflow");
  }

  @Test
  void aMalformedTaintIsAnErrorWhereverItIs() {
    ClusterSnapshot snapshot = cluster(node("a", 4000, 4096 * MIB), node("b", 4000, 4096 * MIB, Map.of("taint.", "")));
    for (PipelineScheduler s : List.of(Schedulers.spread(), Schedulers.withDefaultFilters().score(Scores.imageLocality(), 1).build())) {
      Placement p = s.placeAll(List.of(request("web", 1, 1)), snapshot).get(0);
      assertThat(p.rejections()).containsExactly(new Placement.Rejection("b", "taints", "malformed taint label 'taint.': no key", true));
    }
  }

  @Test
  void doesNotFitIsNotAnError() {
    Placement p = Schedulers.spread().place(request("web", 8000, MIB), TWO);
    assertThat(p.placed()).isFalse();
    assertThat(p.failed()).isFalse();
    assertThat(p.diagnosis()).isEqualTo("a: insufficient cpu: requested 8000m, free 2000m; b: insufficient cpu: requested 8000m, free 4000m");
  }

  @Test
  void theExplanationListsEveryFailedFilterOfEveryNode() {
    ClusterSnapshot snapshot = cluster(notReady(node("n1", 1000, 1024 * MIB, Map.of("taint.gpu", ""))),
        allocated(node("n2", 8000, 8192 * MIB), 0, 0, Map.of("db", 1)));
    Placement p = Schedulers.spread().place(request("web", 2000, MIB).avoiding(Set.of("db")), snapshot);
    assertThat(p.rejections()).containsExactly(
        new Placement.Rejection("n1", "ready", "node is not ready"),
        new Placement.Rejection("n1", "taints", "untolerated taint gpu"),
        new Placement.Rejection("n1", "resources", "insufficient cpu: requested 2000m, free 1000m"),
        new Placement.Rejection("n2", "anti-affinity", "anti-affinity: runs 1 replica of db"));
  }

  @Test
  void aFeasiblePreferredNodeWinsAndAnInfeasibleOneFallsBackToScoring() {
    for (PipelineScheduler s : List.of(Schedulers.spread(), Schedulers.binPack())) {
      assertThat(s.place(preferring(request("web", 100, MIB), "a"), TWO).node()).contains("a");
      assertThat(s.place(preferring(request("web", 100, MIB), "b"), TWO).node()).contains("b");
      assertThat(s.placeAll(List.of(preferring(request("web", 100, MIB), "a")), TWO).get(0).node()).contains("a");
      assertThat(s.place(preferring(request("web", 3000, MIB), "a"), TWO).node()).contains("b");
      assertThat(s.placeAll(List.of(preferring(request("web", 3000, MIB), "a")), TWO).get(0).node()).contains("b");
    }
  }

  @Test
  void antiAffinityWithTheOwnServiceKeepsOneReplicaPerNode() {
    ClusterSnapshot snapshot = cluster(node("a", 4000, 4096 * MIB), node("b", 4000, 4096 * MIB), node("c", 4000, 4096 * MIB));
    PlacementRequest web = request("web", 100, MIB).avoiding(Set.of("web"));
    List<Placement> placements = Schedulers.binPack().placeAll(List.of(web, web, web, web), snapshot);
    assertThat(placements).extracting(p -> p.node().orElse("-")).containsExactly("a", "b", "c", "-");
    assertThat(placements.get(3).diagnosis()).isEqualTo(
        "a: anti-affinity: runs 1 replica of web; b: anti-affinity: runs 1 replica of web; c: anti-affinity: runs 1 replica of web");
  }

  @Test
  void aMaxPerNodeLimitSpreadsABinPackedService() {
    ClusterSnapshot snapshot = cluster(node("a", 4000, 4096 * MIB), node("b", 4000, 4096 * MIB));
    PlacementRequest web = request("web", 100, MIB).withMaxPerNode(2);
    assertThat(Schedulers.binPack().placeAll(List.of(web, web, web, web, web), snapshot))
        .extracting(p -> p.node().orElse("-")).containsExactly("a", "a", "b", "b", "-");
  }

  @Test
  void binPackPlacesABatchRoundRobinAcrossServicesAndAnswersInRequestOrder() {
    ClusterSnapshot snapshot = cluster(node("a", 4000, 4096 * MIB), node("b", 4000, 4096 * MIB));
    PlacementRequest big = request("big", 3000, MIB);
    PlacementRequest small = request("small", 1000, MIB);
    List<PlacementRequest> batch = List.of(big, big, small, small);

    assertThat(PipelineScheduler.interleaved(batch)).containsExactly(0, 2, 1, 3);
    assertThat(Schedulers.binPack().placeAll(batch, snapshot)).extracting(p -> p.node().orElse("-"))
        .containsExactly("a", "b", "a", "b");
    PipelineScheduler inOrder = Schedulers.withDefaultFilters().score(Scores.mostAllocated(), 1).build();
    assertThat(inOrder.placeAll(batch, snapshot)).extracting(p -> p.node().orElse("-"))
        .containsExactly("a", "b", "a", "b");
    assertThat(inOrder.placeAll(List.of(big, big, small, small, small), snapshot)).extracting(p -> p.node().orElse("-"))
        .containsExactly("a", "b", "a", "b", "-");
    assertThat(Schedulers.binPack().placeAll(List.of(big, big, small, small, small), snapshot)).extracting(p -> p.node().orElse("-"))
        .containsExactly("a", "b", "a", "b", "-");
  }

  @Test
  void describesItsPlugins() {
    assertThat(Schedulers.spread()).hasToString(
        "PipelineScheduler[filters=[ready, constraints, taints, resources, anti-affinity], scores=[least-allocated x1]]");
    assertThat(Schedulers.binPack()).hasToString("PipelineScheduler[filters=[ready, constraints, taints, resources, anti-affinity], "
        + "scores=[most-allocated x1], batches interleave services]");
  }
}
