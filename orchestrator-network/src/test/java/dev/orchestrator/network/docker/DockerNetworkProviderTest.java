package dev.orchestrator.network.docker;

import static dev.orchestrator.network.docker.NetworkTestSupport.TEST_LABEL;
import static dev.orchestrator.network.docker.NetworkTestSupport.TEST_LABEL_VALUE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.OrchestratorException;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.docker.DockerTestEngine;
import dev.orchestrator.network.NetworkInfo;
import dev.orchestrator.network.NetworkProvider;
import dev.orchestrator.network.NetworkProviderContract;
import dev.orchestrator.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The network provider contract on the real engine, plus what only Docker shows: the engine's
 * own networks clash with a requested subnet, internal and subnet settings reach the engine,
 * aliases are set and reconnecting adds missing ones, and a merely created container keeps its
 * network from being removed. Containers are started BusyBox sleepers, removed after each test.
 */
class DockerNetworkProviderTest extends NetworkProviderContract {
  private static DockerRuntime runtime;
  private static String image;
  private final List<String> containers = new ArrayList<>();

  @BeforeAll
  static void engine() {
    image = DockerTestEngine.image();
    runtime = DockerTestEngine.runtimeBuilder().build();
  }

  @AfterAll
  static void closeRuntime() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @AfterEach
  void removeContainers() {
    containers.forEach(runtime::remove);
  }

  @Override
  protected NetworkProvider newProvider() {
    return new DockerNetworkProvider(runtime);
  }

  @Override
  protected String newContainerId() {
    String id = create();
    runtime.start(id);
    return id;
  }

  /** A created, never started BusyBox container. */
  private String create() {
    String id = runtime.call("create of a test container", "", client -> client.createContainerCmd(image)
        .withName("nettest-" + DockerTestEngine.randomId())
        .withCmd("sleep", "300")
        .withLabels(Map.of(TEST_LABEL, TEST_LABEL_VALUE))
        .exec().getId());
    containers.add(id);
    return id;
  }

  @Test
  void aSubnetOverlappingANetworkTheEngineAlreadyHasIsRefusedNamingThatNetwork() {
    String bridgeSubnet = provider.inspect("bridge").orElseThrow().subnet();
    String name = uniqueName("clash");

    assertThatThrownBy(() -> provider.ensure(NetworkSpec.named(name).withSubnet(bridgeSubnet, ""), owner))
        .isInstanceOf(OrchestratorException.class)
        .hasMessageContaining("'" + name + "'")
        .hasMessageContaining("'bridge'")
        .hasMessageContaining(bridgeSubnet);
    assertThat(provider.inspect(name)).isEmpty();
  }

  @Test
  void internalSubnetAndGatewayReachTheEngine() {
    String name = uniqueName("inner");
    int third = 100 + java.util.concurrent.ThreadLocalRandom.current().nextInt(100);
    NetworkInfo created = provider.ensure(NetworkSpec.named(name).internalOnly()
        .withSubnet("10.214." + third + ".0/24", "10.214." + third + ".254"), owner);

    assertThat(created.internal()).isTrue();
    assertThat(created.subnet()).isEqualTo("10.214." + third + ".0/24");
    assertThat(created.driver()).isEqualTo("bridge");
    assertThat(DockerTestEngine.docker("network", "inspect", name, "-f", "{{.Internal}} {{range .IPAM.Config}}{{.Gateway}}{{end}}"))
        .isEqualTo("true 10.214." + third + ".254");
  }

  @Test
  void aContainerJoinsSeveralNetworksWithItsAliasesAndGetsAnAddressOnEach() {
    String front = uniqueName("front");
    String back = uniqueName("back");
    provider.ensure(NetworkSpec.named(front), owner);
    provider.ensure(NetworkSpec.named(back), owner);
    String id = create();

    provider.connect(front, id, List.of("web", "web-0"));
    provider.connect(back, id, List.of("web", "web-0"));
    provider.connect(back, id, List.of("web", "web-0"));
    runtime.start(id);

    var info = runtime.inspect(id).orElseThrow();
    assertThat(info.networks()).containsKeys(front, back);
    assertThat(aliases(id, front)).contains("web", "web-0");
    assertThat(aliases(id, back)).contains("web", "web-0");
    provider.connect(back, id, List.of("web", "web-0", "api"));
    assertThat(aliases(id, back)).as("reconnected with the missing alias").contains("web", "web-0", "api");
    provider.disconnect(front, id);
    provider.disconnect(back, id);
  }

  @Test
  void aCreatedContainerThatWasNeverStartedStillHoldsItsNetwork() {
    String name = uniqueName("held");
    provider.ensure(NetworkSpec.named(name), owner);
    String id = create();
    provider.connect(name, id, List.of("x"));

    assertThat(provider.inspect(name).orElseThrow().containers()).containsExactly(id);
    assertThat(provider.list(owner)).singleElement().satisfies(n -> assertThat(n.containers()).containsExactly(id));
    assertThatThrownBy(() -> provider.remove(name, owner)).hasMessageContaining(id);

    provider.disconnect(name, id);
  }

  @Test
  void anEmptySelectorListsEveryNetworkOfTheEngineUnlabelledOnesIncluded() {
    String name = uniqueName("listed");
    provider.ensure(NetworkSpec.named(name), owner);

    assertThat(provider.list(Map.of())).extracting(NetworkInfo::name).contains("bridge", name);
  }

  private static List<String> aliases(String container, String network) {
    return runtime.call("inspect", container, client -> {
      List<String> aliases = client.inspectContainerCmd(container).exec().getNetworkSettings().getNetworks().get(network).getAliases();
      return aliases == null ? List.of() : aliases;
    });
  }
}
