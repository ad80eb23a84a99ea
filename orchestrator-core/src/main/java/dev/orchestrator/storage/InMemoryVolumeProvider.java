package dev.orchestrator.storage;

import dev.orchestrator.NotOwnedException;
import dev.orchestrator.OrchestratorException;
import dev.orchestrator.ResourceInUseException;
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
 * <p>{@code ensure} of an existing volume returns it unchanged, whoever owns it: a volume without
 * the owner labels is never adopted or modified. To set up a foreign volume in a test, ensure it
 * with other owner labels.
 */
public final class InMemoryVolumeProvider implements VolumeProvider {
  private final Map<String, VolumeInfo> volumes = new TreeMap<>();

  @Override
  public synchronized VolumeInfo ensure(VolumeSpec spec, Map<String, String> ownerLabels) {
    return volumes.computeIfAbsent(spec.name(), name -> {
      Map<String, String> labels = new HashMap<>(spec.labels());
      labels.putAll(ownerLabels);
      return new VolumeInfo(name, spec.driver(), labels, "memory://" + name, Set.of());
    });
  }

  /**
   * Removes an owned, unused volume; unknown names are a no-op.
   *
   * @throws NotOwnedException when the volume lacks one of {@code ownerLabels}
   * @throws ResourceInUseException when containers still mount it
   */
  @Override
  public synchronized void remove(String name, Map<String, String> ownerLabels) {
    VolumeInfo volume = volumes.get(name);
    if (volume == null) {
      return;
    }
    ownerLabels.forEach((key, value) -> {
      if (!value.equals(volume.labels().get(key))) {
        throw new NotOwnedException(name, "volume '" + name + "' is not owned by this orchestrator: label "
            + key + "=" + value + " is missing; it was left alone");
      }
    });
    if (!volume.usedBy().isEmpty()) {
      throw new ResourceInUseException(name, "volume '" + name + "' is still used by containers "
          + new TreeSet<>(volume.usedBy()));
    }
    volumes.remove(name);
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

  private static VolumeInfo withUsers(VolumeInfo v, Set<String> users) {
    return new VolumeInfo(v.name(), v.driver(), v.labels(), v.mountpoint(), users);
  }
}
