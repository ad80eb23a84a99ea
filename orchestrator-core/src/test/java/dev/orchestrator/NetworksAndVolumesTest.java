package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.network.InMemoryNetworkProvider;
import dev.orchestrator.network.NetworkInfo;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.NetworkSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.VolumeSpec;
import dev.orchestrator.storage.InMemoryVolumeProvider;
import dev.orchestrator.storage.VolumeInfo;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reconciler ensures networks and volumes before containers, and releases them per policy. */
class NetworksAndVolumesTest {
  private final InMemoryNetworkProvider networks = new InMemoryNetworkProvider();
  private final InMemoryVolumeProvider volumes = new InMemoryVolumeProvider();

  private SimHarness harness() {
    return new SimHarness(c -> c, b -> b.networkProvider(networks).volumeProvider(volumes));
  }

  private static ServiceSpec db() {
    return ServiceSpec.builder("db").image("db").replicas(2).network("backend")
        .mount(MountSpec.volume("data", "/data").asPerReplica())
        .mount(MountSpec.volume("shared", "/shared").asReadOnly())
        .mount(MountSpec.volume("scratch", "/scratch"))
        .build();
  }

  @Test
  void replicasJoinTheirNetworksAndMountTheirVolumesWhichCarryOwnershipLabels() {
    try (SimHarness h = harness()) {
      h.orchestrator.apply(NetworkSpec.named("backend").internalOnly());
      h.orchestrator.apply(db());
      h.converge(() -> h.ready("db", 2));
      NetworkInfo backend = networks.inspect("backend").orElseThrow();
      assertThat(backend.internal()).isTrue();
      assertThat(backend.labels()).containsEntry(OwnerLabels.INSTANCE, "test");
      assertThat(backend.containers()).containsExactlyInAnyOrderElementsOf(h.running("db").stream().map(ContainerInfo::id).toList());
      assertThat(volumes.list(OwnerLabels.ofInstance("test"))).extracting(VolumeInfo::name)
          .containsExactlyInAnyOrder("data-db-0", "data-db-1", "shared", "scratch");
      ContainerInfo slot1 = h.running("db").stream().filter(c -> c.label(OwnerLabels.SLOT).equals("1")).findFirst().orElseThrow();
      assertThat(volumes.inspect("data-db-1").orElseThrow().usedBy()).containsExactly(slot1.id());
      assertThat(volumes.inspect("shared").orElseThrow().usedBy()).hasSize(2);
    }
  }

  @Test
  void aReplacedReplicaGetsItsSlotsVolumeBack() {
    try (SimHarness h = harness()) {
      h.orchestrator.apply(db());
      h.converge(() -> h.ready("db", 2));
      ContainerInfo slot0 = h.running("db").stream().filter(c -> c.label(OwnerLabels.SLOT).equals("0")).findFirst().orElseThrow();
      h.cluster.crash(slot0.id(), 1);
      h.converge(() -> h.ready("db", 2) && h.running("db").stream().noneMatch(c -> c.id().equals(slot0.id())));
      ContainerInfo replacement = h.running("db").stream().filter(c -> c.label(OwnerLabels.SLOT).equals("0")).findFirst().orElseThrow();
      assertThat(volumes.inspect("data-db-0").orElseThrow().usedBy()).containsExactly(replacement.id());
    }
  }

  @Test
  void deletingAServiceRemovesItsNetworkAndDeletableVolumesButKeepsRetainedOnes() {
    try (SimHarness h = harness()) {
      h.orchestrator.apply(VolumeSpec.named("scratch").withRetention(VolumeSpec.Retention.DELETE));
      h.orchestrator.apply(db());
      h.converge(() -> h.ready("db", 2));
      h.orchestrator.delete("db");
      h.converge(() -> h.all("db").isEmpty() && volumes.inspect("scratch").isEmpty());
      assertThat(networks.inspect("backend")).as("a network nothing uses is removed").isEmpty();
      assertThat(volumes.list(Map.of())).extracting(VolumeInfo::name).containsExactlyInAnyOrder("data-db-0", "data-db-1", "shared");
    }
  }

  @Test
  void closeRemovesNetworksAndDeletableVolumesButNeverRetainedData() {
    SimHarness h = harness();
    h.orchestrator.apply(VolumeSpec.named("scratch").withRetention(VolumeSpec.Retention.DELETE));
    h.orchestrator.apply(db());
    h.converge(() -> h.ready("db", 2));
    h.close();
    assertThat(networks.list(OwnerLabels.ofInstance("test"))).isEmpty();
    assertThat(volumes.list(Map.of())).extracting(VolumeInfo::name).containsExactlyInAnyOrder("data-db-0", "data-db-1", "shared");
    assertThat(volumes.list(Map.of())).allSatisfy(v -> assertThat(v.usedBy()).isEmpty());
  }

  @Test
  void aNetworkUsedByAnotherServiceOrAForeignOneIsNeverRemoved() {
    networks.ensure(NetworkSpec.named("shared-net"), Map.of("owner", "someone-else"));
    try (SimHarness h = harness()) {
      h.orchestrator.apply(ServiceSpec.builder("a").image("a").network("common").network("shared-net").build());
      h.orchestrator.apply(ServiceSpec.builder("b").image("b").network("common").build());
      h.converge(() -> h.ready("a", 1) && h.ready("b", 1));
      h.orchestrator.delete("a");
      h.converge(Duration.ofSeconds(1), () -> h.all("a").isEmpty());
      assertThat(networks.inspect("common")).isPresent();
    }
    assertThat(networks.inspect("shared-net")).as("foreign network").isPresent()
        .get().satisfies(n -> assertThat(n.labels()).doesNotContainKey(OwnerLabels.INSTANCE));
  }
}
