package dev.orchestrator.storage.docker;

import static dev.orchestrator.docker.DockerTestEngine.docker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.NotOwnedException;
import dev.orchestrator.ResourceInUseException;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.docker.DockerTestEngine;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.VolumeSpec;
import dev.orchestrator.storage.VolumeInfo;
import dev.orchestrator.storage.VolumeProvider;
import dev.orchestrator.storage.VolumeProviderContract;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The volume contract on the real engine, plus what only Docker shows (driver options, mounts it knows of). */
class DockerVolumeProviderContractTest extends VolumeProviderContract {
  private static DockerRuntime runtime;
  private final List<String> containers = new ArrayList<>();

  @BeforeAll
  static void engine() {
    DockerTestEngine.image();
    runtime = DockerTestEngine.runtimeBuilder().build();
  }

  @AfterAll
  static void closeEngine() {
    runtime.close();
  }

  @Override
  protected VolumeProvider newProvider() {
    return new DockerVolumeProvider(runtime);
  }

  /** A real, never started container (it mounts nothing). */
  @Override
  protected String newContainerId() {
    String id = docker("create", "--label", StorageTestSupport.TEST_LABEL + "=" + StorageTestSupport.TEST_LABEL_VALUE,
        DockerTestEngine.image(), "true");
    containers.add(id);
    return id;
  }

  @AfterEach
  void removeContainers() {
    for (String id : containers) {
      docker("rm", "-f", id);
    }
  }

  @Test
  void aContainerThatMountsTheVolumeIsItsUserWithoutAttachAndDockerRefusesRemoval() {
    String name = uniqueName("mounted");
    provider.ensure(VolumeSpec.named(name), owner);
    String id = docker("create", "--label", StorageTestSupport.TEST_LABEL + "=" + StorageTestSupport.TEST_LABEL_VALUE,
        "-v", name + ":/data", DockerTestEngine.image(), "true");
    containers.add(id);

    assertThat(provider.inspect(name).orElseThrow().usedBy()).containsExactly(id);
    assertThat(provider.list(owner)).singleElement().satisfies(v -> assertThat(v.usedBy()).containsExactly(id));
    provider.detach(name, id);
    assertThatThrownBy(() -> provider.remove(name, owner))
        .isInstanceOf(ResourceInUseException.class).hasMessageContaining(name).hasMessageContaining(id);

    docker("rm", "-f", id);
    provider.remove(name, owner);
    assertThat(provider.inspect(name)).isEmpty();
  }

  @Test
  void aVolumeMadeWithTheDockerCliIsRefusedWithItsLabelsInTheMessage() {
    String name = uniqueName("cli");
    docker("volume", "create", "--label", "team=someone", name);

    assertThatThrownBy(() -> provider.ensure(VolumeSpec.named(name), owner))
        .isInstanceOf(NotOwnedException.class)
        .hasMessageContaining("volume '" + name + "'").hasMessageContaining("team=someone")
        .hasMessageContaining("is not owned by this orchestrator");
    assertThat(docker("volume", "inspect", "-f", "{{json .Labels}}", name)).isEqualTo("{\"team\":\"someone\"}");
  }

  @Test
  void driverOptionsReachTheEngineAndATmpfsBackedVolumeMountsWithItsSize() {
    String name = uniqueName("mem");
    VolumeInfo v = provider.ensure(VolumeSpec.named(name).withDriver("local",
        Map.of("type", "tmpfs", "device", "tmpfs", "o", "size=8m")), owner);

    assertThat(v.driver()).isEqualTo("local");
    assertThat(v.mountpoint()).isNotEmpty();
    assertThat(docker("volume", "inspect", "-f", "{{json .Options}}", name))
        .contains("\"type\":\"tmpfs\"").contains("\"o\":\"size=8m\"");
    String df = docker("run", "--rm", "-v", name + ":/m", DockerTestEngine.image(), "sh", "-c", "df -k /m | tail -1");
    assertThat(df).contains("8192");
  }

  @Test
  void aBindBackedVolumeShowsTheHostDirectorysFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("hello.txt"), "from the host");
    String name = uniqueName("bound");
    provider.ensure(VolumeSpec.named(name).withDriver("local", Map.of("type", "none", "o", "bind", "device", dir.toString())), owner);

    assertThat(docker("run", "--rm", "-v", name + ":/m", DockerTestEngine.image(), "cat", "/m/hello.txt"))
        .isEqualTo("from the host");
  }

  @Test
  void aVolumeIsPinnedToTheEnginesNodeUnlessItIsNfsBacked() {
    String node = runtime.node().name();
    DockerVolumeProvider docker = new DockerVolumeProvider(runtime);

    assertThat(docker.placementConstraints(VolumeSpec.named("data")))
        .containsExactly(PlacementConstraint.equals(NodeInfo.NAME_LABEL, node));
    assertThat(docker.placementConstraints(VolumeSpec.named("data").withDriver("local",
        Map.of("type", "nfs", "o", "addr=10.0.0.1,rw", "device", ":/exports/data")))).isEmpty();
  }
}
