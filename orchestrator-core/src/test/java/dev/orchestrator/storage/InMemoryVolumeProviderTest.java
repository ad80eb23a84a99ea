package dev.orchestrator.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.OrchestratorException;
import dev.orchestrator.spec.VolumeSpec;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InMemoryVolumeProviderTest extends VolumeProviderContract {
  private final AtomicInteger containers = new AtomicInteger();

  @Override
  protected VolumeProvider newProvider() {
    return new InMemoryVolumeProvider();
  }

  @Override
  protected String newContainerId() {
    return "container-" + containers.incrementAndGet();
  }

  @Test
  void anInMemoryVolumeMountsAtAMemoryUrlWithTheSpecDriver() {
    String name = uniqueName("data");

    VolumeInfo volume = provider.ensure(VolumeSpec.named(name).withDriver("fast", Map.of()), owner);

    assertThat(volume.mountpoint()).isEqualTo("memory://" + name);
    assertThat(volume.driver()).isEqualTo("fast");
  }

  @Test
  void attachingToAnUnknownVolumeFails() {
    assertThatThrownBy(() -> provider.attach("nowhere", "c1"))
        .isInstanceOf(OrchestratorException.class)
        .hasMessageContaining("nowhere");
  }
}
