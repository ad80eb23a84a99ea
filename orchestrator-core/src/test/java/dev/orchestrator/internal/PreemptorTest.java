package dev.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.scheduling.NodeSnapshot;
import dev.orchestrator.scheduling.PlacementRequest;
import dev.orchestrator.scheduling.Schedulers;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.Resources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which replicas a higher-priority replica evicts, and where (table-driven). */
class PreemptorTest {

  /** A node of 1000m CPU running the given replicas, written "service:priority:cpu". */
  private record N(String name, Map<String, String> labels, List<String> replicas) {
    static N of(String name, String... replicas) {
      return new N(name, Map.of(), List.of(replicas));
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("nothing of lower priority: no preemption", 100, 500,
            List.of(N.of("node-1", "a:100:1000")), Optional.empty()),
        Arguments.of("equal priority is never evicted", 0, 500,
            List.of(N.of("node-1", "a:0:1000")), Optional.empty()),
        Arguments.of("the lowest priority goes first", 100, 500,
            List.of(N.of("node-1", "a:10:500", "b:0:500")), Optional.of("node-1 b-0")),
        Arguments.of("the node needing the fewest victims", 100, 500,
            List.of(N.of("node-1", "a:0:250", "b:0:250", "c:0:500"), N.of("node-2", "d:0:500", "e:50:500")),
            Optional.of("node-1 c-0")),
        Arguments.of("the node whose highest victim is lowest, before fewer victims", 100, 600,
            List.of(N.of("node-1", "a:50:600", "b:90:400"), N.of("node-2", "c:0:300", "d:0:300", "e:90:400")),
            Optional.of("node-2 c-0 d-0")),
        Arguments.of("victims that are not needed are spared", 100, 900,
            List.of(N.of("node-1", "a:0:100", "b:1:900")), Optional.of("node-1 b-0")),
        Arguments.of("a node that does not fit even emptied is skipped", 100, 1500,
            List.of(N.of("node-1", "a:0:1000")), Optional.empty()),
        Arguments.of("a node failing a constraint is skipped", 100, 500,
            List.of(new N("node-1", Map.of("zone", "b"), List.of("a:0:1000")), new N("node-2", Map.of("zone", "a"), List.of("b:0:1000"))),
            Optional.of("node-2 b-0")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void choosesTheFewestAndLowestVictims(String name, int priority, long cpu, List<N> nodes, Optional<String> expected) {
    List<NodeSnapshot> snapshots = new ArrayList<>();
    Map<String, List<Preemptor.Candidate>> candidates = new HashMap<>();
    for (N n : nodes) {
      long used = 0;
      Map<String, Integer> counts = new HashMap<>();
      List<Preemptor.Candidate> here = new ArrayList<>();
      for (String r : n.replicas()) {
        String[] f = r.split(":");
        Resources res = Resources.requests(Long.parseLong(f[2]), 0);
        used += res.cpuMillis();
        counts.merge(f[0], 1, Integer::sum);
        ContainerInfo c = new ContainerInfo("id-" + f[0], f[0] + "-0", n.name(), "app",
            Map.of("dev.orchestrator.service", f[0], "dev.orchestrator.slot", "0"), ContainerState.RUNNING, -1, false, null, null, List.of());
        here.add(new Preemptor.Candidate(c, f[0], Integer.parseInt(f[1]), res));
      }
      snapshots.add(new NodeSnapshot(new NodeInfo(n.name(), 1000, 1L << 30, n.labels(), n.name()), true, used, 0, counts));
      candidates.put(n.name(), here);
    }
    boolean zoned = nodes.stream().anyMatch(n -> !n.labels().isEmpty());
    PlacementRequest request = new PlacementRequest("db", 0, Resources.requests(cpu, 0),
        zoned ? List.of(PlacementConstraint.equals("zone", "a")) : List.of(), "");

    Optional<String> chosen = Preemptor.choose(request, priority, Schedulers.spread(), snapshots, candidates)
        .map(c -> c.node() + c.victims().stream().map(v -> " " + v.container().name()).sorted().reduce("", String::concat));

    assertThat(chosen).isEqualTo(expected);
  }
}
