package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.NetworkSpec;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.ValidationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A fixed host port is refused before anything is created when a declaration or a container holds it. */
class HostPortAdmissionTest {

  private static ServiceSpec fixed(String name, int hostPort) {
    return ServiceSpec.builder(name).image("web").port(PortSpec.tcp("http", 8080).withHostPort(hostPort)).build();
  }

  @Test
  void aPortDeclaredByAnotherServiceIsRefusedNamingThePortAndTheService() {
    try (SimHarness h = new SimHarness()) {
      h.orchestrator.apply(fixed("a", 30080));

      assertThatThrownBy(() -> h.orchestrator.apply(fixed("b", 30080)))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("ports[0].hostPort")
          .hasMessageContaining("30080")
          .hasMessageContaining("service 'a'");
      assertThat(h.orchestrator.spec("b")).isEmpty();
    }
  }

  @Test
  void aPortHeldByAContainerOfAnUndeclaredServiceIsRefusedNamingItsReplica() {
    try (SimHarness h = new SimHarness()) {
      ContainerRuntime node = h.cluster.runtimes().get(0);
      Map<String, String> labels = Map.of(OwnerLabels.INSTANCE, "test", OwnerLabels.SERVICE, "old", OwnerLabels.SLOT, "0");
      String id = node.create(new ContainerRequest("test-old-0-1", fixed("old", 30081), labels, Map.of()));
      node.start(id);

      assertThatThrownBy(() -> h.orchestrator.apply(fixed("new", 30081)))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("30081")
          .hasMessageContaining("replica old-0 of service 'old'")
          .hasMessageContaining("test-old-0-1");
      assertThat(h.all("new")).isEmpty();
    }
  }

  @Test
  void portsOfAServiceWhoseNetworksAreAllInternalAreRefusedAndOneOrdinaryNetworkIsEnough() {
    try (SimHarness h = new SimHarness()) {
      h.orchestrator.apply(NetworkSpec.named("sealed").internalOnly());
      ServiceSpec sealed = ServiceSpec.builder("db").image("db").port(PortSpec.tcp("sql", 5432)).network("sealed").build();

      assertThatThrownBy(() -> h.orchestrator.apply(sealed))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("ports = '[sql]'")
          .hasMessageContaining("every network of the service is internal [sealed]");
      h.orchestrator.apply(sealed.toBuilder().network("front").build());
    }
  }

  @Test
  void aServiceReappliedOverItsOwnRunningReplicaKeepsItsPort() {
    try (SimHarness h = new SimHarness()) {
      h.orchestrator.apply(fixed("a", 30082));
      h.converge(() -> h.ready("a", 1));

      h.orchestrator.apply(fixed("a", 30082).toBuilder().env("X", "1").build());
      h.converge(() -> h.ready("a", 1) && h.running("a").get(0).label(OwnerLabels.SPEC_HASH)
          .equals(h.orchestrator.spec("a").orElseThrow().specHash()));
    }
  }
}
