package dev.orchestrator.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.VolumeSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VolumeLocalityTest {

  @Test
  void aNodeLocalVolumePinsToItsNodeAndAnNfsVolumeDoesNot() {
    VolumeSpec local = VolumeSpec.named("data");
    VolumeSpec nfs = VolumeSpec.named("shared").withDriver("local",
        Map.of("type", "nfs", "o", "addr=10.0.0.1,rw", "device", ":/exports/shared"));

    assertThat(VolumeLocality.onNode("node-2", local))
        .containsExactly(PlacementConstraint.equals(NodeInfo.NAME_LABEL, "node-2"));
    assertThat(VolumeLocality.onNode("node-2", nfs)).isEmpty();
    assertThat(VolumeLocality.isShared(VolumeSpec.named("t").withDriver("local", Map.of("type", "tmpfs")))).isFalse();
  }

  @Test
  void anInMemoryProviderWithoutANodePinsNothing() {
    assertThat(new InMemoryVolumeProvider().placementConstraints(VolumeSpec.named("data"))).isEmpty();
    assertThat(InMemoryVolumeProvider.onNode("n1").placementConstraints(VolumeSpec.named("data")))
        .containsExactly(PlacementConstraint.equals(NodeInfo.NAME_LABEL, "n1"));
  }

  @Test
  void everyNodeCarriesItsNameAsALabel() {
    NodeInfo node = new NodeInfo("node-7", 1000, 1 << 30, Map.of("zone", "a"), "127.0.0.1");

    assertThat(node.labels()).containsEntry(NodeInfo.NAME_LABEL, "node-7").containsEntry("zone", "a");
  }
}
