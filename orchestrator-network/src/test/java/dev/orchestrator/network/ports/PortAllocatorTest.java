package dev.orchestrator.network.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.OrchestratorException;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {

  private static ServiceSpec spec(String name) {
    return ServiceSpec.builder(name).image("web")
        .port(PortSpec.tcp("http", 8080))
        .port(PortSpec.tcp("admin", 9090))
        .build();
  }

  @Test
  void allocationsAreDistinctWithinTheRangeAndStickyPerHolder() {
    PortAllocator ports = new PortAllocator(30000, 30009, p -> true);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      int port = ports.allocate("h" + i);
      assertThat(port).isBetween(30000, 30009);
      assertThat(seen.add(port)).as("port %d given twice", port).isTrue();
    }
    assertThat(ports.allocate("h3")).isEqualTo(ports.held().entrySet().stream()
        .filter(e -> e.getValue().equals("h3")).findFirst().orElseThrow().getKey());
  }

  @Test
  void anExhaustedRangeIsAnErrorNamingTheRangeTheHolderAndWhatIsBusy() {
    PortAllocator ports = new PortAllocator(30000, 30002, p -> p != 30001);
    ports.allocate("a");
    ports.allocate("b");

    assertThatThrownBy(() -> ports.allocate("c"))
        .isInstanceOf(OrchestratorException.class)
        .hasMessageContaining("30000-30002")
        .hasMessageContaining("for c")
        .hasMessageContaining("2 held by this allocator, 1 in use by others");
  }

  @Test
  void aReleasedPortIsReusedOnlyAfterTheRestOfTheRange() {
    PortAllocator ports = new PortAllocator(30000, 30003, p -> true);
    int a = ports.allocate("a");
    ports.releaseHolder("a");

    assertThat(ports.allocate("b")).isNotEqualTo(a);
    assertThat(ports.allocate("c")).isNotEqualTo(a);
    assertThat(ports.allocate("d")).isNotEqualTo(a);
    assertThat(ports.allocate("e")).isEqualTo(a);
  }

  @Test
  void theDefaultProbeSkipsAPortSomeoneListensOnAtLoopback() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      PortAllocator ports = PortAllocator.range(port, Math.min(65535, port + 1));

      int got = ports.allocate("x");

      assertThat(got).isNotEqualTo(port);
    }
  }

  @Test
  void assignGivesEveryUnfixedPortAHostPortFromTheRangeAndTheSameOnesAgainSoTheSpecHashIsStable() {
    PortAllocator ports = new PortAllocator(31000, 31100, p -> true);

    ServiceSpec first = ports.assign(spec("web"));
    ServiceSpec again = ports.assign(spec("web"));

    assertThat(first.ports()).extracting(PortSpec::hostPort).allSatisfy(p -> assertThat(p).isBetween(31000, 31100));
    assertThat(first.ports()).extracting(PortSpec::hostPort).doesNotHaveDuplicates();
    assertThat(again.specHash()).isEqualTo(first.specHash());
    assertThat(ports.release("web")).isEqualTo(2);
    assertThat(ports.held()).isEmpty();
  }

  @Test
  void assignOfNamedPortsLeavesTheOthersRandomAndRefusesAnUnknownName() {
    PortAllocator ports = new PortAllocator(31000, 31100, p -> true);

    ServiceSpec web = ports.assign(spec("web"), "admin");

    assertThat(web.ports()).extracting(PortSpec::name, PortSpec::hostPort)
        .first().isEqualTo(org.assertj.core.groups.Tuple.tuple("http", 0));
    assertThat(web.ports().get(1).hostPort()).isBetween(31000, 31100);
    assertThatThrownBy(() -> ports.assign(spec("web"), "metrics"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metrics")
        .hasMessageContaining("[http, admin]");
  }

  @Test
  void aFixedPortInsideTheRangeIsReservedForItsServiceAndRefusedToAnother() {
    PortAllocator ports = new PortAllocator(31000, 31001, p -> true);
    ServiceSpec fixed = ServiceSpec.builder("db").image("db").port(PortSpec.tcp("sql", 5432).withHostPort(31000)).build();

    ports.assign(fixed);

    assertThat(ports.held()).isEqualTo(Map.of(31000, "db/sql"));
    assertThat(ports.allocate("other")).isEqualTo(31001);
    ServiceSpec thief = ServiceSpec.builder("thief").image("db").port(PortSpec.tcp("sql", 5432).withHostPort(31000)).build();
    assertThatThrownBy(() -> ports.assign(thief))
        .isInstanceOf(OrchestratorException.class)
        .hasMessageContaining("31000")
        .hasMessageContaining("db/sql");
  }

  @Test
  void aRangeOutsideOneTo65535OrReversedIsRefused() {
    assertThatThrownBy(() -> new PortAllocator(0, 10, p -> true)).hasMessageContaining("0-10");
    assertThatThrownBy(() -> new PortAllocator(20, 10, p -> true)).hasMessageContaining("20-10");
    assertThatThrownBy(() -> new PortAllocator(65000, 65536, p -> true)).hasMessageContaining("65000-65536");
  }
}
