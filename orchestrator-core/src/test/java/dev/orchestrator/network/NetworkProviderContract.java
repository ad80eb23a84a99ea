package dev.orchestrator.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.NotOwnedException;
import dev.orchestrator.OrchestratorException;
import dev.orchestrator.ResourceInUseException;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link NetworkProvider} must show. Extend it and implement the two hooks.
 * Names and owner labels are unique per test, so a shared engine is fine; what a test creates or
 * connects is cleaned up afterwards.
 */
public abstract class NetworkProviderContract {
  protected NetworkProvider provider;
  protected Map<String, String> owner;
  protected Map<String, String> foreignOwner;
  private final List<String> created = new ArrayList<>();
  private final List<String[]> connected = new ArrayList<>();

  /** A provider to test. */
  protected abstract NetworkProvider newProvider();

  /** The id of a container that may be connected to networks (a real one for an engine). */
  protected abstract String newContainerId();

  @BeforeEach
  void createProvider() {
    provider = newProvider();
    String run = UUID.randomUUID().toString().substring(0, 8);
    owner = OwnerLabels.ofInstance("contract-" + run);
    foreignOwner = Map.of("com.example.owner", "someone-else-" + run);
  }

  @AfterEach
  void cleanUp() {
    for (String[] pair : connected) {
      provider.disconnect(pair[0], pair[1]);
    }
    for (String name : created) {
      provider.inspect(name).ifPresent(n -> provider.remove(name, n.labels()));
    }
  }

  /** A network name unique to this test run. */
  protected String uniqueName(String base) {
    String name = base + "-" + UUID.randomUUID().toString().substring(0, 8);
    created.add(name);
    return name;
  }

  protected void connect(String network, String containerId) {
    provider.connect(network, containerId, List.of("alias-" + containerId.substring(0, Math.min(8, containerId.length()))));
    connected.add(new String[] {network, containerId});
  }

  @Test
  void ensureCreatesTheNetworkWithSpecAndOwnerLabelsAndIsIdempotent() {
    NetworkSpec spec = NetworkSpec.named(uniqueName("app")).withLabels(Map.of("tier", "backend"));

    NetworkInfo first = provider.ensure(spec, owner);
    NetworkInfo second = provider.ensure(spec, owner);

    assertThat(first.name()).isEqualTo(spec.name());
    assertThat(first.labels()).containsAllEntriesOf(owner).containsEntry("tier", "backend");
    assertThat(first.containers()).isEmpty();
    assertThat(second.id()).isEqualTo(first.id());
    assertThat(provider.inspect(spec.name())).hasValueSatisfying(n -> assertThat(n.id()).isEqualTo(first.id()));
    assertThat(provider.list(owner)).extracting(NetworkInfo::name).containsExactly(spec.name());
  }

  @Test
  void listReturnsOnlyNetworksCarryingAllSelectorLabels() {
    String a = uniqueName("a");
    String b = uniqueName("b");
    provider.ensure(NetworkSpec.named(a).withLabels(Map.of("tier", "front")), owner);
    provider.ensure(NetworkSpec.named(b).withLabels(Map.of("tier", "back")), owner);
    provider.ensure(NetworkSpec.named(uniqueName("c")).withLabels(Map.of("tier", "front")), foreignOwner);

    Map<String, String> frontOfOwner = new HashMap<>(owner);
    frontOfOwner.put("tier", "front");

    assertThat(provider.list(owner)).extracting(NetworkInfo::name).containsExactlyInAnyOrder(a, b);
    assertThat(provider.list(frontOfOwner)).extracting(NetworkInfo::name).containsExactly(a);
  }

  @Test
  void removeDeletesAnOwnedUnusedNetworkAndIgnoresAnUnknownOne() {
    String name = uniqueName("gone");
    provider.ensure(NetworkSpec.named(name), owner);

    provider.remove(name, owner);
    provider.remove(name, owner);

    assertThat(provider.inspect(name)).isEmpty();
  }

  @Test
  void aForeignNetworkIsNeitherAdoptedNorRemoved() {
    String name = uniqueName("foreign");
    NetworkInfo foreign = provider.ensure(NetworkSpec.named(name), foreignOwner);

    NetworkInfo ensured = provider.ensure(NetworkSpec.named(name), owner);

    assertThat(ensured.id()).isEqualTo(foreign.id());
    assertThat(ensured.labels()).isEqualTo(foreign.labels());
    assertThatThrownBy(() -> provider.remove(name, owner))
        .isInstanceOf(NotOwnedException.class)
        .hasMessageContaining(name)
        .hasMessageContaining(OwnerLabels.INSTANCE)
        .satisfies(e -> assertThat(((NotOwnedException) e).resource()).isEqualTo(name));
    assertThat(provider.inspect(name)).hasValueSatisfying(n -> assertThat(n.labels()).isEqualTo(foreign.labels()));
  }

  @Test
  void aNetworkWithConnectedContainersIsNotRemoved() {
    String name = uniqueName("busy");
    provider.ensure(NetworkSpec.named(name), owner);
    String container = newContainerId();
    connect(name, container);

    assertThatThrownBy(() -> provider.remove(name, owner))
        .isInstanceOf(ResourceInUseException.class)
        .hasMessageContaining(name)
        .satisfies(e -> assertThat(((ResourceInUseException) e).resource()).isEqualTo(name));
    assertThat(provider.inspect(name)).isPresent();

    provider.disconnect(name, container);
    provider.remove(name, owner);
    assertThat(provider.inspect(name)).isEmpty();
  }

  @Test
  void connectAndDisconnectAreTrackedAndDisconnectingTwiceIsHarmless() {
    String name = uniqueName("net");
    provider.ensure(NetworkSpec.named(name), owner);
    String first = newContainerId();
    String second = newContainerId();

    connect(name, first);
    connect(name, second);
    assertThat(provider.inspect(name).orElseThrow().containers()).containsExactlyInAnyOrder(first, second);

    provider.disconnect(name, first);
    provider.disconnect(name, first);
    assertThat(provider.inspect(name).orElseThrow().containers()).containsExactly(second);
  }

  @Test
  void aSubnetAlreadyUsedByAnotherNetworkIsRefusedNamingBoth() {
    String subnet = "10.213." + ThreadLocalRandom.current().nextInt(0, 255) + ".0/24";
    String first = uniqueName("first");
    String second = uniqueName("second");
    provider.ensure(NetworkSpec.named(first).withSubnet(subnet, ""), owner);

    assertThatThrownBy(() -> provider.ensure(NetworkSpec.named(second).withSubnet(subnet, ""), owner))
        .isInstanceOf(OrchestratorException.class)
        .hasMessageContaining(first)
        .hasMessageContaining(second);
    assertThat(provider.inspect(second)).isEmpty();
  }
}
