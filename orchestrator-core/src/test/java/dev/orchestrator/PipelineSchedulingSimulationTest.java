package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.scheduling.Schedulers;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The orchestrator's placer driving the pipeline schedulers in one batch per service. */
class PipelineSchedulingSimulationTest {
  private SimHarness h;

  @AfterEach
  void tearDown() {
    SimHarness.closeChecked(h);
  }

  private static ServiceSpec small(String name, int replicas) {
    return ServiceSpec.builder(name).image(name).replicas(replicas).resources(Resources.requests(500, 256 * Resources.MIB)).build();
  }

  @Test
  void binPackFillsOneNodeBeforeTheNext() {
    h = new SimHarness(c -> c, b -> b.scheduler(Schedulers.binPack()));
    h.orchestrator.apply(small("web", 10));
    h.converge(() -> h.orchestrator.status("web").readyReplicas() == 10);
    assertThat(h.running("web")).extracting(ContainerInfo::node).filteredOn("node-1"::equals).hasSize(8);
    assertThat(h.running("web")).extracting(ContainerInfo::node).filteredOn("node-2"::equals).hasSize(2);
  }

  @Test
  void spreadPutsOneReplicaOnEachNode() {
    h = new SimHarness(c -> c, b -> b.scheduler(Schedulers.spread()));
    h.orchestrator.apply(small("web", 3));
    h.converge(() -> h.orchestrator.status("web").readyReplicas() == 3);
    assertThat(h.running("web")).extracting(ContainerInfo::node).containsExactlyInAnyOrder("node-1", "node-2", "node-3");
  }

  @Test
  void aBatchThatOutgrowsTheClusterIsPlacedUpToCapacityAndTheRestExplained() {
    h = new SimHarness(c -> c, b -> b.scheduler(Schedulers.binPack()));
    h.orchestrator.apply(small("web", 25));
    h.converge(() -> h.orchestrator.status("web").readyReplicas() == 24);
    h.await(() -> !h.events(OrchestratorEvent.ReplicaUnschedulable.class).isEmpty());
    assertThat(h.events(OrchestratorEvent.ReplicaUnschedulable.class).get(0).diagnosis())
        .contains("node-1: insufficient cpu: requested 500m, free 0m").contains("node-2").contains("node-3");
  }
}
