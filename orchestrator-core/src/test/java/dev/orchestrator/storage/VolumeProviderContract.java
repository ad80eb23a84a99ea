package dev.orchestrator.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.NotOwnedException;
import dev.orchestrator.ResourceInUseException;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.VolumeSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link VolumeProvider} must show. Extend it and implement the two hooks.
 * Names and owner labels are unique per test; what a test creates or attaches is cleaned up.
 */
public abstract class VolumeProviderContract {
  protected VolumeProvider provider;
  protected Map<String, String> owner;
  protected Map<String, String> foreignOwner;
  private final List<String> created = new ArrayList<>();
  private final List<String[]> attached = new ArrayList<>();

  /** A provider to test. */
  protected abstract VolumeProvider newProvider();

  /** The id of a container that may use volumes (a real one for an engine). */
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
    for (String[] pair : attached) {
      provider.detach(pair[0], pair[1]);
    }
    for (String name : created) {
      provider.inspect(name).ifPresent(v -> provider.remove(name, v.labels()));
    }
  }

  /** A volume name unique to this test run. */
  protected String uniqueName(String base) {
    String name = base + "-" + UUID.randomUUID().toString().substring(0, 8);
    created.add(name);
    return name;
  }

  protected void attach(String volume, String containerId) {
    provider.attach(volume, containerId);
    attached.add(new String[] {volume, containerId});
  }

  @Test
  void ensureCreatesTheVolumeWithSpecAndOwnerLabelsAndIsIdempotent() {
    VolumeSpec spec = VolumeSpec.named(uniqueName("data")).withLabels(Map.of("tier", "db"));

    VolumeInfo first = provider.ensure(spec, owner);
    VolumeInfo second = provider.ensure(spec, owner);

    assertThat(first.name()).isEqualTo(spec.name());
    assertThat(first.labels()).containsAllEntriesOf(owner).containsEntry("tier", "db");
    assertThat(first.usedBy()).isEmpty();
    assertThat(second).isEqualTo(first);
    assertThat(provider.inspect(spec.name())).contains(first);
    assertThat(provider.list(owner)).extracting(VolumeInfo::name).containsExactly(spec.name());
  }

  @Test
  void listReturnsOnlyVolumesCarryingAllSelectorLabels() {
    String a = uniqueName("a");
    String b = uniqueName("b");
    provider.ensure(VolumeSpec.named(a).withLabels(Map.of("tier", "db")), owner);
    provider.ensure(VolumeSpec.named(b).withLabels(Map.of("tier", "cache")), owner);
    provider.ensure(VolumeSpec.named(uniqueName("c")).withLabels(Map.of("tier", "db")), foreignOwner);

    Map<String, String> dbOfOwner = new HashMap<>(owner);
    dbOfOwner.put("tier", "db");

    assertThat(provider.list(owner)).extracting(VolumeInfo::name).containsExactlyInAnyOrder(a, b);
    assertThat(provider.list(dbOfOwner)).extracting(VolumeInfo::name).containsExactly(a);
  }

  @Test
  void removeDeletesAnOwnedUnusedVolumeAndIgnoresAnUnknownOne() {
    String name = uniqueName("gone");
    provider.ensure(VolumeSpec.named(name), owner);

    provider.remove(name, owner);
    provider.remove(name, owner);

    assertThat(provider.inspect(name)).isEmpty();
  }

  @Test
  void aForeignVolumeIsNeitherAdoptedNorRemoved() {
    String name = uniqueName("foreign");
    VolumeInfo foreign = provider.ensure(VolumeSpec.named(name), foreignOwner);

    assertThatThrownBy(() -> provider.ensure(VolumeSpec.named(name), owner))
        .isInstanceOf(NotOwnedException.class)
        .hasMessageContaining(name)
        .hasMessageContaining(OwnerLabels.INSTANCE)
        .satisfies(e -> assertThat(((NotOwnedException) e).resource()).isEqualTo(name));
    assertThatThrownBy(() -> provider.remove(name, owner))
        .isInstanceOf(NotOwnedException.class)
        .hasMessageContaining(name)
        .hasMessageContaining(OwnerLabels.INSTANCE)
        .satisfies(e -> assertThat(((NotOwnedException) e).resource()).isEqualTo(name));
    assertThat(provider.inspect(name)).hasValueSatisfying(v -> assertThat(v.labels()).isEqualTo(foreign.labels()));
  }

  @Test
  void anOwnedVolumeIsReEnsuredWhateverRetentionItWasCreatedWith() {
    String name = uniqueName("kept");
    Map<String, String> created = new HashMap<>(owner);
    created.put(OwnerLabels.RETENTION, "retain");
    Map<String, String> again = new HashMap<>(owner);
    again.put(OwnerLabels.RETENTION, "delete");

    VolumeInfo first = provider.ensure(VolumeSpec.named(name), created);
    VolumeInfo second = provider.ensure(VolumeSpec.named(name), again);

    assertThat(second.labels()).isEqualTo(first.labels()).containsEntry(OwnerLabels.RETENTION, "retain");
  }

  @Test
  void aVolumeInUseIsNotRemoved() {
    String name = uniqueName("busy");
    provider.ensure(VolumeSpec.named(name), owner);
    String container = newContainerId();
    attach(name, container);

    assertThatThrownBy(() -> provider.remove(name, owner))
        .isInstanceOf(ResourceInUseException.class)
        .hasMessageContaining(name)
        .satisfies(e -> assertThat(((ResourceInUseException) e).resource()).isEqualTo(name));
    assertThat(provider.inspect(name)).isPresent();

    provider.detach(name, container);
    provider.remove(name, owner);
    assertThat(provider.inspect(name)).isEmpty();
  }

  @Test
  void attachAndDetachAreTrackedAndDetachingTwiceIsHarmless() {
    String name = uniqueName("vol");
    provider.ensure(VolumeSpec.named(name), owner);
    String first = newContainerId();
    String second = newContainerId();

    attach(name, first);
    attach(name, second);
    assertThat(provider.inspect(name).orElseThrow().usedBy()).containsExactlyInAnyOrder(first, second);

    provider.detach(name, first);
    provider.detach(name, first);
    assertThat(provider.inspect(name).orElseThrow().usedBy()).containsExactly(second);
  }
}
