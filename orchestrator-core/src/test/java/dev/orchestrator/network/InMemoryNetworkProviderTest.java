package dev.orchestrator.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.OrchestratorException;
import dev.orchestrator.spec.NetworkSpec;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InMemoryNetworkProviderTest extends NetworkProviderContract {
  private final AtomicInteger containers = new AtomicInteger();

  @Override
  protected NetworkProvider newProvider() {
    return new InMemoryNetworkProvider();
  }

  @Override
  protected String newContainerId() {
    return "container-" + containers.incrementAndGet();
  }

  @Test
  void connectingToAnUnknownNetworkFails() {
    assertThatThrownBy(() -> provider.connect("nowhere", "c1", List.of()))
        .isInstanceOf(OrchestratorException.class)
        .hasMessageContaining("nowhere");
  }

  @Test
  void overlappingSubnetsClashToo() {
    provider.ensure(NetworkSpec.named(uniqueName("wide")).withSubnet("10.1.0.0/16", ""), owner);

    assertThatThrownBy(() -> provider.ensure(NetworkSpec.named(uniqueName("narrow")).withSubnet("10.1.7.0/24", ""), owner))
        .hasMessageContaining("10.1.0.0/16");
  }

  @ParameterizedTest(name = "{0} and {1} overlap: {2}")
  @CsvSource({
      "10.0.0.0/24, 10.0.0.0/24, true",
      "10.0.0.0/24, 10.0.1.0/24, false",
      "10.0.0.0/16, 10.0.200.0/24, true",
      "10.0.0.128/25, 10.0.0.0/25, false",
      "0.0.0.0/0, 192.168.1.0/24, true",
      "fd00::/64, fd00::/64, true",
      "fd00::/64, fd01::/64, false"})
  void subnetsOverlapWhenTheirRangesShareAnAddress(String a, String b, boolean overlap) {
    assertThat(Subnets.overlap(a, b)).isEqualTo(overlap);
    assertThat(Subnets.overlap(b, a)).isEqualTo(overlap);
  }
}
