package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.VolumeSpec;
import dev.orchestrator.storage.InMemoryVolumeProvider;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A replica goes where its volume lives, unless the volume is of a shared (NFS-backed) kind. */
class VolumeLocalitySimulationTest {
  private final InMemoryVolumeProvider volumesOfNode2 = InMemoryVolumeProvider.onNode("node-2");

  private SimHarness harness() {
    return new SimHarness(c -> c, b -> b.volumeProvider(volumesOfNode2));
  }

  private static ServiceSpec db(int replicas) {
    return ServiceSpec.builder("db").image("db").replicas(replicas)
        .mount(MountSpec.volume("data", "/data").asPerReplica()).build();
  }

  @Test
  void replicasMountingANodeLocalVolumeArePlacedOnItsNodeAndWaitForIt() {
    try (SimHarness h = harness()) {
      h.orchestrator.apply(db(2));
      h.converge(() -> h.ready("db", 2));
      assertThat(h.running("db")).extracting(ContainerInfo::node).containsOnly("node-2");

      h.cluster.failNode("node-2");
      h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaUnschedulable.class))
          .anySatisfy(e -> assertThat(e.diagnosis()).contains(NodeInfo.NAME_LABEL + "==node-2")));
      assertThat(h.running("db")).as("never placed away from its data").isEmpty();

      h.cluster.restoreNode("node-2");
      h.converge(() -> h.ready("db", 2));
      assertThat(h.running("db")).extracting(ContainerInfo::node).containsOnly("node-2");
      assertThat(h.violations).isEmpty();
    }
  }

  @Test
  void replicasMountingAnNfsBackedVolumeSpreadOverEveryNode() {
    try (SimHarness h = harness()) {
      h.orchestrator.apply(VolumeSpec.named("data").withDriver("local",
          Map.of("type", "nfs", "o", "addr=10.0.0.1,rw", "device", ":/exports/data")));
      h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(3)
          .mount(MountSpec.volume("data", "/data")).build());
      h.converge(() -> h.ready("web", 3));

      assertThat(h.running("web")).extracting(ContainerInfo::node).containsExactlyInAnyOrder("node-1", "node-2", "node-3");
      assertThat(volumesOfNode2.inspect("data").orElseThrow().labels()).containsEntry(OwnerLabels.INSTANCE, "test");
    }
  }
}
