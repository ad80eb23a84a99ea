package dev.orchestrator.storage.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.ReplicaStatus;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.docker.DockerTestEngine;
import dev.orchestrator.docker.SecondEngine;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.VolumeSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two real engines (the second in its own network namespace): replicas mounting a node-local
 * volume all run on the volume's node while others spread, and a shared (NFS-backed) volume is
 * declared on both engines and pins nothing.
 */
class DockerVolumeLocalityTest {
  private final String instance = "local-" + DockerTestEngine.randomId();
  private final String volume = "pinned" + DockerTestEngine.randomId();
  private SecondEngine second;
  private DockerRuntime home;
  private DockerRuntime peer;
  private DockerVolumeProvider volumes;
  private Orchestrator orchestrator;

  @BeforeEach
  void twoNodes() {
    String image = DockerTestEngine.image();
    second = SecondEngine.start();
    second.load(image);
    home = DockerTestEngine.runtimeBuilder().nodeName("home").instanceId(instance).build();
    peer = DockerTestEngine.runtimeBuilder().nodeName("peer").dockerHost(second.host()).instanceId(instance).build();
    volumes = new DockerVolumeProvider(home, List.of(peer));
  }

  @AfterEach
  void cleanUp() {
    try {
      if (orchestrator != null) {
        orchestrator.close();
      }
      String left = DockerTestEngine.docker("volume", "ls", "-q", "--filter", "label=" + OwnerLabels.INSTANCE + "=" + instance);
      left.lines().filter(l -> !l.isBlank()).forEach(v -> DockerTestEngine.tryDocker("volume", "rm", "-f", v));
    } finally {
      home.close();
      peer.close();
      second.close();
    }
  }

  private static ServiceSpec sleeper(String name, int replicas) {
    return ServiceSpec.builder(name).image(DockerTestEngine.image()).command("sleep", "300").replicas(replicas)
        .stopGracePeriod(Duration.ofSeconds(1)).build();
  }

  @Test
  void replicasOfANodeLocalVolumeRunWhereItLivesWhileOthersSpread() throws Exception {
    orchestrator = Orchestrator.builder().instanceId(instance).nodes(List.of(home, peer)).volumeProvider(volumes)
        .callTimeout(Duration.ofSeconds(15)).build();
    orchestrator.apply(sleeper("free", 2));
    orchestrator.apply(sleeper("db", 2).toBuilder().mount(MountSpec.volume(volume, "/data").asPerReplica()).build());
    orchestrator.awaitReady("free", StorageE2e.READY);
    orchestrator.awaitReady("db", StorageE2e.READY);

    assertThat(orchestrator.status("free").replicas()).extracting(ReplicaStatus::node).containsExactlyInAnyOrder("home", "peer");
    assertThat(orchestrator.status("db").replicas()).extracting(ReplicaStatus::node).containsOnly("home");
    assertThat(second.docker("volume", "ls", "-q")).as("nothing node-local on the peer").isEmpty();
  }

  @Test
  void aSharedVolumeIsDeclaredOnEveryEngineAndRemovedFromAll() {
    Map<String, String> owner = OwnerLabels.ofInstance(instance);
    VolumeSpec nfs = VolumeSpec.named(volume).withDriver("local",
        Map.of("type", "nfs", "o", "addr=10.250.250.250,ro,soft", "device", ":/exports/data"));

    volumes.ensure(nfs, owner);

    assertThat(volumes.placementConstraints(nfs)).isEmpty();
    assertThat(second.docker("volume", "inspect", "-f", "{{json .Options}} {{index .Labels \"" + OwnerLabels.INSTANCE + "\"}}", volume))
        .contains("\"type\":\"nfs\"").contains("\"device\":\":/exports/data\"").endsWith(instance);
    assertThat(volumes.ensure(nfs, owner).name()).isEqualTo(volume);

    volumes.remove(volume, owner);
    assertThat(volumes.inspect(volume)).isEmpty();
    assertThat(second.docker("volume", "ls", "-q")).isEmpty();
  }
}
