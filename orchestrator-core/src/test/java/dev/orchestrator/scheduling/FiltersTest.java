package dev.orchestrator.scheduling;

import dev.orchestrator.spec.Toleration;
import static dev.orchestrator.scheduling.SchedulingFixtures.MIB;
import static dev.orchestrator.scheduling.SchedulingFixtures.allocated;
import static dev.orchestrator.scheduling.SchedulingFixtures.node;
import static dev.orchestrator.scheduling.SchedulingFixtures.notReady;
import static dev.orchestrator.scheduling.SchedulingFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.orchestrator.spec.PlacementConstraint;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FiltersTest {
  private static final NodeSnapshot BIG = node("node-1", 4000, 4096 * MIB);

  static Stream<Arguments> cases() {
    PlacementRequest web = request("web", 100, MIB);
    return Stream.of(
        arguments(Filters.ready(), BIG, web, Status.fits()),
        arguments(Filters.ready(), notReady(BIG), web, Status.doesNotFit("node is not ready")),
        arguments(Filters.ready(), BIG.withCordoned(true), web, Status.doesNotFit("node is cordoned")),
        arguments(Filters.ready(), notReady(BIG).withCordoned(true), web, Status.doesNotFit("node is not ready, node is cordoned")),

        arguments(Filters.constraints(), node("node-3", 4000, MIB, Map.of("zone", "a")),
            request("web", 1, 1, List.of(PlacementConstraint.equals("zone", "a"))), Status.fits()),
        arguments(Filters.constraints(), node("node-3", 4000, MIB, Map.of("zone", "b")),
            request("web", 1, 1, List.of(PlacementConstraint.equals("zone", "a"))),
            Status.doesNotFit("constraint zone==a not met (zone=b)")),
        arguments(Filters.constraints(), node("node-3", 4000, MIB, Map.of("zone", "a")),
            request("web", 1, 1, List.of(PlacementConstraint.notEquals("zone", "a"))),
            Status.doesNotFit("constraint zone!=a not met (zone=a)")),
        arguments(Filters.constraints(), node("node-3", 4000, MIB, Map.of("disk", "hdd")),
            request("web", 1, 1, List.of(PlacementConstraint.in("disk", "ssd", "nvme"), PlacementConstraint.exists("gpu"))),
            Status.doesNotFit("constraint disk in [ssd, nvme] not met (disk=hdd), constraint gpu exists not met (gpu not set)")),

        arguments(Filters.taints(), node("node-4", 4000, MIB, Map.of("zone", "a")), web, Status.fits()),
        arguments(Filters.taints(), node("node-4", 4000, MIB, Map.of("taint.dedicated", "gpu")), web,
            Status.doesNotFit("untolerated taint dedicated=gpu")),
        arguments(Filters.taints(), node("node-4", 4000, MIB, Map.of("taint.dedicated", "gpu")),
            web.withTolerations(List.of(Toleration.of("dedicated", "gpu"))), Status.fits()),
        arguments(Filters.taints(), node("node-4", 4000, MIB, Map.of("taint.dedicated", "gpu")),
            web.withTolerations(List.of(Toleration.of("dedicated", "db"))), Status.doesNotFit("untolerated taint dedicated=gpu")),
        arguments(Filters.taints(), node("node-4", 4000, MIB, Map.of("taint.dedicated", "gpu", "taint.draining", "")),
            web.withTolerations(List.of(Toleration.any("dedicated"))), Status.doesNotFit("untolerated taint draining")),
        arguments(Filters.taints(), node("node-4", 4000, MIB, Map.of("taint.", "x")), web,
            Status.error("malformed taint label 'taint.': no key")),

        arguments(Filters.resources(), BIG, request("web", 4000, 4096 * MIB), Status.fits()),
        arguments(Filters.resources(), allocated(node("node-1", 2000, 4096 * MIB), 1500, 0, Map.of()), request("web", 1500, MIB),
            Status.doesNotFit("insufficient cpu: requested 1500m, free 500m")),
        arguments(Filters.resources(), allocated(node("node-7", 4000, 1024 * MIB), 0, 768 * MIB, Map.of()), request("web", 100, 512 * MIB),
            Status.doesNotFit("insufficient memory: requested 512 MiB, free 256 MiB")),
        arguments(Filters.resources(), allocated(node("node-7", 1000, 1024 * MIB), 900, 768 * MIB, Map.of()), request("web", 200, 512 * MIB),
            Status.doesNotFit("insufficient cpu: requested 200m, free 100m, insufficient memory: requested 512 MiB, free 256 MiB")),
        arguments(Filters.resources(), allocated(node("node-7", 1000, 1024 * MIB), 1500, 2048 * MIB, Map.of()), request("web", 0, 0),
            Status.fits()),
        arguments(Filters.resources(), allocated(BIG, 0, 0, Map.of("web", 2)), request("web", 1, 1).withMaxPerNode(2),
            Status.doesNotFit("max 2 replicas of web per node: 2 here")),
        arguments(Filters.resources(), allocated(BIG, 0, 0, Map.of("web", 1)), request("web", 1, 1).withMaxPerNode(2), Status.fits()),

        arguments(Filters.antiAffinity(), allocated(BIG, 0, 0, Map.of("web", 1)), web, Status.fits()),
        arguments(Filters.antiAffinity(), allocated(BIG, 0, 0, Map.of("web", 1)), web.avoiding(Set.of("web")),
            Status.doesNotFit("anti-affinity: runs 1 replica of web")),
        arguments(Filters.antiAffinity(), allocated(BIG, 0, 0, Map.of("web", 1, "db", 3)), web.avoiding(Set.of("web", "db", "cache")),
            Status.doesNotFit("anti-affinity: runs 3 replicas of db, anti-affinity: runs 1 replica of web")),
        arguments(Filters.antiAffinity(), allocated(BIG, 0, 0, Map.of("db", 3)), web.avoiding(Set.of("cache")), Status.fits()));
  }

  @ParameterizedTest(name = "{0}: {2} on {1} gives {3}")
  @MethodSource("cases")
  void eachFilterGivesItsVerdictWithAnExactReason(FilterPlugin filter, NodeSnapshot node, PlacementRequest request, Status expected) {
    assertThat(filter.filter(request, node)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}: {2} on {1}")
  @MethodSource("cases")
  void theQuickCheckAgreesWithTheFullVerdict(FilterPlugin filter, NodeSnapshot node, PlacementRequest request, Status expected) {
    assertThat(filter.check(request, node)).isEqualTo(expected.code());
  }

  static Stream<Arguments> placementSensitivity() {
    PlacementRequest web = request("web", 100, MIB);
    return Stream.of(
        arguments(Filters.ready(), web, false),
        arguments(Filters.constraints(), web, false),
        arguments(Filters.taints(), web, false),
        arguments(Filters.resources(), web, false),
        arguments(Filters.resources(), web.withMaxPerNode(1), true),
        arguments(Filters.antiAffinity(), web, false),
        arguments(Filters.antiAffinity(), web.avoiding(Set.of("db")), true));
  }

  @ParameterizedTest(name = "{0} for {1}: {2}")
  @MethodSource("placementSensitivity")
  void onlyFiltersThatReadReplicaCountsChangeWithPlacements(FilterPlugin filter, PlacementRequest request, boolean expected) {
    assertThat(filter.changesWithPlacements(request)).isEqualTo(expected);
  }
}
