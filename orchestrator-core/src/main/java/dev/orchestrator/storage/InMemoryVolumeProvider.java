package dev.orchestrator.storage;

import dev.orchestrator.NotOwnedException;
import dev.orchestrator.OrchestratorException;
import dev.orchestrator.ResourceInUseException;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.VolumeSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A thread-safe {@link VolumeProvider} held in memory; a volume's mountpoint is
 * {@code memory://<name>}.
 *
 * <p>A volume without the owner labels is never adopted, modified or removed: {@code ensure} and
 * {@code remove} refuse it. To set up a foreign volume in a test, ensure it with other owner labels.
 * A provider made with {@link #onNode} stands for the volumes of one node (like a
 * {@code DockerVolumeProvider} over one engine): replicas mounting its volumes are placed on that
 * node, unless a volume is of a shared kind ({@link VolumeLocality#isShared}).
 */
public final class InMemoryVolumeProvider implements VolumeProvider, VolumeLocality {
  private final String node;
  private final Map<String, VolumeInfo> volumes = new TreeMap<>();

  /** Volumes that any node can mount. */
  public InMemoryVolumeProvider() {
    this("");
  }

  private InMemoryVolumeProvider(String node) {
    this.node = node;
  }

  /** Volumes living on the named node. */
  public static InMemoryVolumeProvider onNode(String node) {
    if (node == null || node.isEmpty()) {
      throw new IllegalArgumentException("node name must not be empty");
    }
    return new InMemoryVolumeProvider(node);
  }

  @Override
  public synchronized VolumeInfo ensure(VolumeSpec spec, Map<String, String> ownerLabels) {
    VolumeInfo existing = volumes.get(spec.name());
    if (existing != null) {
      if (!existing.ownedBy(ownerLabels)) {
        throw notOwned(spec.name(), ownerLabels, "it is not used");
      }
      return existing;
    }
    Map<String, String> labels = new HashMap<>(spec.labels());
    labels.putAll(ownerLabels);
    VolumeInfo created = new VolumeInfo(spec.name(), spec.driver(), labels, "memory://" + spec.name(), Set.of());
    volumes.put(spec.name(), created);
    return created;
  }

  /**
   * Removes an owned, unused volume; unknown names are a no-op.
   *
   * @throws NotOwnedException when the volume lacks the owner's labels
   * @throws ResourceInUseException when containers still mount it
   */
  @Override
  public synchronized void remove(String name, Map<String, String> ownerLabels) {
    VolumeInfo volume = volumes.get(name);
    if (volume == null) {
      return;
    }
    if (!volume.ownedBy(ownerLabels)) {
      throw notOwned(name, ownerLabels, "it was left alone");
    }
    if (!volume.usedBy().isEmpty()) {
      throw new ResourceInUseException(name, "volume '" + name + "' is still used by containers "
          + new TreeSet<>(volume.usedBy()));
    }
    volumes.remove(name);
  }

  static NotOwnedException notOwned(String name, Map<String, String> ownerLabels, String outcome) {
    return new NotOwnedException(name, "volume '" + name + "' exists but is not owned by this orchestrator (labels "
        + new TreeMap<>(ownerLabels) + " missing); " + outcome);
  }

  @Override
  public synchronized Optional<VolumeInfo> inspect(String name) {
    return Optional.ofNullable(volumes.get(name));
  }

  @Override
  public synchronized List<VolumeInfo> list(Map<String, String> labelSelector) {
    return volumes.values().stream()
        .filter(v -> v.labels().entrySet().containsAll(labelSelector.entrySet()))
        .toList();
  }

  /** Records the container as a user of the volume (idempotent). */
  @Override
  public synchronized void attach(String volume, String containerId) {
    Objects.requireNonNull(containerId, "containerId");
    VolumeInfo current = volumes.get(volume);
    if (current == null) {
      throw new OrchestratorException("no volume named '" + volume + "'");
    }
    Set<String> users = new TreeSet<>(current.usedBy());
    users.add(containerId);
    volumes.put(volume, withUsers(current, users));
  }

  @Override
  public synchronized void detach(String volume, String containerId) {
    VolumeInfo current = volumes.get(volume);
    if (current != null && current.usedBy().contains(containerId)) {
      Set<String> users = new TreeSet<>(current.usedBy());
      users.remove(containerId);
      volumes.put(volume, withUsers(current, users));
    }
  }

  /** None for a provider without a node; otherwise its node, unless the volume is shared. */
  @Override
  public List<PlacementConstraint> placementConstraints(VolumeSpec volume) {
    return node.isEmpty() ? List.of() : VolumeLocality.onNode(node, volume);
  }

  private static VolumeInfo withUsers(VolumeInfo v, Set<String> users) {
    return new VolumeInfo(v.name(), v.driver(), v.labels(), v.mountpoint(), users);
  }
}
