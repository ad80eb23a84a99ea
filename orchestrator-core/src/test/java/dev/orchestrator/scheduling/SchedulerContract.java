package dev.orchestrator.scheduling;

import static dev.orchestrator.scheduling.SchedulingFixtures.MIB;
import static dev.orchestrator.scheduling.SchedulingFixtures.allocated;
import static dev.orchestrator.scheduling.SchedulingFixtures.cluster;
import static dev.orchestrator.scheduling.SchedulingFixtures.node;
import static dev.orchestrator.scheduling.SchedulingFixtures.notReady;
import static dev.orchestrator.scheduling.SchedulingFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.spec.PlacementConstraint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Scheduler} must do, whatever its scoring: place only where a replica fits,
 * honour constraints and readiness, explain every rejected node when nothing fits, and stay pure.
 * Subclass it with {@link #scheduler()} for each implementation.
 */
public abstract class SchedulerContract {
  protected abstract Scheduler scheduler();

  @Test
  void aReplicaIsPlacedOnlyOnANodeWithEnoughFreeCpuAndMemory() {
    ClusterSnapshot snapshot = cluster(
        allocated(node("full-cpu", 2000, 4096 * MIB), 1900, 0, Map.of()),
        allocated(node("full-mem", 2000, 4096 * MIB), 0, 4000 * MIB, Map.of()),
        node("roomy", 2000, 4096 * MIB));
    Placement p = scheduler().place(request("web", 500, 512 * MIB), snapshot);
    assertThat(p.node()).contains("roomy");
  }

  @Test
  void constraintsAndReadinessExcludeNodes() {
    ClusterSnapshot snapshot = cluster(
        node("a", 4000, 8192 * MIB, Map.of("zone", "a")),
        notReady(node("b", 4000, 8192 * MIB, Map.of("zone", "b"))),
        node("c", 4000, 8192 * MIB, Map.of("zone", "c")));
    Placement p = scheduler().place(request("web", 100, MIB, List.of(PlacementConstraint.in("zone", "b", "c"))), snapshot);
    assertThat(p.node()).contains("c");
  }

  @Test
  void whenNothingFitsEveryNodeIsExplained() {
    ClusterSnapshot snapshot = cluster(node("n1", 1000, 1024 * MIB), notReady(node("n2", 8000, 8192 * MIB)),
        node("n3", 8000, 256 * MIB));
    Placement p = scheduler().place(request("web", 2000, 512 * MIB), snapshot);
    assertThat(p.placed()).isFalse();
    assertThat(p.rejections()).extracting(Placement.Rejection::node).contains("n1", "n2", "n3");
    assertThat(p.diagnosis()).contains("n1: insufficient cpu").contains("n3: insufficient memory");
  }

  @Test
  void placementIsPureAndDeterministic() {
    ClusterSnapshot snapshot = cluster(node("x", 4000, 4096 * MIB), node("y", 4000, 4096 * MIB), node("z", 4000, 4096 * MIB));
    ClusterSnapshot copy = new ClusterSnapshot(snapshot.nodes());
    Placement first = scheduler().place(request("web", 100, MIB), snapshot);
    assertThat(scheduler().place(request("web", 100, MIB), snapshot)).isEqualTo(first);
    assertThat(snapshot).isEqualTo(copy);
  }

  /** A batch ({@link BatchScheduler#placeAll} when offered) is placed as if one by one on an updated snapshot. */
  @Test
  void aBatchIsPlacedAsIfOneByOneWithoutOverCommitting() {
    ClusterSnapshot snapshot = cluster(node("a", 3000, 3000 * MIB), node("b", 2000, 5000 * MIB), node("c", 1500, 1000 * MIB));
    List<PlacementRequest> requests = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      requests.add(request(i % 2 == 0 ? "web" : "db", 300 + 50 * i, (200 + 30 * i) * MIB));
    }
    List<Placement> batch = scheduler() instanceof BatchScheduler b
        ? b.placeAll(requests, snapshot) : SpreadScheduler.placeAll(scheduler(), requests, snapshot);

    ClusterSnapshot current = snapshot;
    for (int i = 0; i < requests.size(); i++) {
      Placement one = scheduler().place(requests.get(i), current);
      assertThat(batch.get(i)).as("replica %d", i).isEqualTo(one);
      if (one.placed()) {
        current = current.withPlacement(one.node().get(), requests.get(i));
      }
    }
    assertThat(current.nodes()).allSatisfy(n -> {
      assertThat(n.cpuFreeMillis()).isNotNegative();
      assertThat(n.memoryFreeBytes()).isNotNegative();
    });
  }

  @Test
  void anEmptyClusterFitsNothing() {
    assertThat(scheduler().place(request("web", 0, 0), cluster()).placed()).isFalse();
  }
}
