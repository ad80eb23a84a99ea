package dev.orchestrator.storage.docker;

import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerMount;
import dev.orchestrator.NotOwnedException;
import dev.orchestrator.OrchestratorException;
import dev.orchestrator.ResourceInUseException;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.VolumeSpec;
import dev.orchestrator.storage.VolumeInfo;
import dev.orchestrator.storage.VolumeLocality;
import dev.orchestrator.storage.VolumeProvider;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named Docker volumes on one engine, through a {@link DockerRuntime}'s bounded, timed client.
 *
 * <p>Every volume it creates carries the owner labels; a volume of the same name without them is
 * refused by {@code ensure} and {@code remove} ({@link NotOwnedException}), never adopted or
 * changed. Driver and driver options go to the engine as given: the {@code local} driver's
 * options make a volume tmpfs-backed ({@code type=tmpfs, device=tmpfs, o=size=64m}), bind-backed
 * ({@code type=none, o=bind, device=/srv/data}) or NFS-backed
 * ({@code type=nfs, o=addr=10.0.0.5,rw, device=:/exports/data}).
 *
 * <p>In-use tracking: Docker knows which containers mount a volume, so {@link VolumeInfo#usedBy()}
 * is every container of the engine (running or not) that mounts it, plus containers recorded
 * with {@link #attach} that still exist (a container being set up). {@link #detach} forgets such a
 * record; it cannot unmount, so a container that mounts the volume keeps it in use until it is
 * removed. Docker itself also refuses to remove a mounted volume.
 *
 * <p>Locality: its volumes live on its engine's node, so replicas mounting them are pinned there
 * ({@link VolumeLocality}), unless a volume is NFS- or CIFS-backed. Thread-safe.
 */
public final class DockerVolumeProvider implements VolumeProvider, VolumeLocality {
  private final DockerRuntime runtime;
  /** Volume name to containers recorded by {@link #attach}. */
  private final Map<String, Set<String>> attached = new ConcurrentHashMap<>();
  private volatile String nodeName;

  public DockerVolumeProvider(DockerRuntime runtime) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
  }

  @Override
  public VolumeInfo ensure(VolumeSpec spec, Map<String, String> ownerLabels) {
    Optional<InspectVolumeResponse> existing = raw(spec.name());
    if (existing.isEmpty()) {
      Map<String, String> labels = new HashMap<>(spec.labels());
      labels.putAll(ownerLabels);
      runtime.call("create of volume " + spec.name(), spec.name(), c -> c.createVolumeCmd()
          .withName(spec.name()).withDriver(spec.driver()).withDriverOpts(spec.options()).withLabels(labels).exec());
      // the engine answers a create of an existing name with that volume: check whose it is
      existing = raw(spec.name());
    }
    VolumeInfo volume = existing.map(v -> info(v, usedBy(v.getName())))
        .orElseThrow(() -> new OrchestratorException("volume '" + spec.name() + "' vanished right after its creation"));
    if (!volume.ownedBy(ownerLabels)) {
      throw notOwned(volume, ownerLabels, "it was neither adopted nor changed");
    }
    return volume;
  }

  /**
   * Removes an owned volume that no container uses; an unknown name is a no-op.
   *
   * @throws NotOwnedException when the volume lacks the owner's labels
   * @throws ResourceInUseException when containers mount it (or are recorded as its users)
   */
  @Override
  public void remove(String name, Map<String, String> ownerLabels) {
    Optional<VolumeInfo> found = inspect(name);
    if (found.isEmpty()) {
      return;
    }
    VolumeInfo volume = found.get();
    if (!volume.ownedBy(ownerLabels)) {
      throw notOwned(volume, ownerLabels, "it was left alone");
    }
    if (!volume.usedBy().isEmpty()) {
      throw inUse(name, volume.usedBy());
    }
    boolean mounted = runtime.call("remove of volume " + name, name, c -> {
      try {
        c.removeVolumeCmd(name).exec();
        return false;
      } catch (NotFoundException e) {
        return false;
      } catch (ConflictException e) {
        return true; // a container mounted it since the check
      }
    });
    if (mounted) {
      throw inUse(name, usedBy(name));
    }
    attached.remove(name);
  }

  @Override
  public Optional<VolumeInfo> inspect(String name) {
    return raw(name).map(v -> info(v, usedBy(name)));
  }

  @Override
  public List<VolumeInfo> list(Map<String, String> labelSelector) {
    List<String> filter = labelSelector.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    List<InspectVolumeResponse> volumes = runtime.call("list of volumes " + labelSelector, "", c -> {
      var cmd = c.listVolumesCmd();
      if (!filter.isEmpty()) {
        cmd.withFilter("label", filter);
      }
      List<InspectVolumeResponse> found = cmd.exec().getVolumes();
      return found == null ? List.<InspectVolumeResponse>of() : found;
    });
    List<InspectVolumeResponse> selected = volumes.stream()
        .filter(v -> labels(v).entrySet().containsAll(labelSelector.entrySet()))
        .sorted(java.util.Comparator.comparing(InspectVolumeResponse::getName)).toList();
    if (selected.isEmpty()) {
      return List.of();
    }
    Map<String, Set<String>> mounts = mountsByVolume();
    Set<String> existing = existing(recordedContainers());
    return selected.stream().map(v -> info(v, users(v.getName(), mounts.getOrDefault(v.getName(), Set.of()), existing))).toList();
  }

  /**
   * Records the container as a user of the volume until {@link #detach} (idempotent).
   *
   * @throws OrchestratorException when the volume does not exist
   */
  @Override
  public void attach(String volume, String containerId) {
    Objects.requireNonNull(containerId, "containerId");
    if (raw(volume).isEmpty()) {
      throw new OrchestratorException("no volume named '" + volume + "' on Docker Engine at " + runtime.engineHost());
    }
    attached.computeIfAbsent(volume, v -> ConcurrentHashMap.newKeySet()).add(containerId);
  }

  @Override
  public void detach(String volume, String containerId) {
    attached.computeIfPresent(volume, (v, users) -> {
      users.remove(containerId);
      return users.isEmpty() ? null : users;
    });
  }

  /** This engine's node, unless the volume is NFS- or CIFS-backed. */
  @Override
  public List<PlacementConstraint> placementConstraints(VolumeSpec volume) {
    String node = nodeName;
    if (node == null) {
      node = runtime.node().name();
      nodeName = node;
    }
    return VolumeLocality.onNode(node, volume);
  }

  private Optional<InspectVolumeResponse> raw(String name) {
    return runtime.call("inspect of volume " + name, name, c -> {
      try {
        return Optional.of(c.inspectVolumeCmd(name).exec());
      } catch (NotFoundException e) {
        return Optional.<InspectVolumeResponse>empty();
      }
    });
  }

  /** Containers mounting the volume, and recorded users that still exist. */
  private Set<String> usedBy(String volume) {
    Set<String> mounting = runtime.call("list of containers using volume " + volume, volume, c ->
        c.listContainersCmd().withShowAll(true).withVolumeFilter(List.of(volume)).exec().stream()
            .map(Container::getId).collect(java.util.stream.Collectors.toSet()));
    return users(volume, mounting, existing(attached.getOrDefault(volume, Set.of())));
  }

  private Set<String> users(String volume, Set<String> mounting, Set<String> existing) {
    Set<String> users = new TreeSet<>(mounting);
    for (String id : attached.getOrDefault(volume, Set.of())) {
      if (existing.contains(id)) {
        users.add(id);
      }
    }
    return users;
  }

  private Set<String> recordedContainers() {
    Set<String> all = new HashSet<>();
    attached.values().forEach(all::addAll);
    return all;
  }

  /** Those of the ids (full or short) whose containers exist, as given. */
  private Set<String> existing(Set<String> ids) {
    if (ids.isEmpty()) {
      return Set.of();
    }
    List<String> found = runtime.call("list of containers " + ids, "", c ->
        c.listContainersCmd().withShowAll(true).withIdFilter(List.copyOf(ids)).exec().stream().map(Container::getId).toList());
    Set<String> result = new HashSet<>();
    for (String id : ids) {
      if (found.stream().anyMatch(f -> f.startsWith(id))) {
        result.add(id);
      }
    }
    return result;
  }

  /** Volume name to ids of the containers (any state) that mount it, in one listing. */
  private Map<String, Set<String>> mountsByVolume() {
    List<Container> containers = runtime.call("list of containers", "", c -> c.listContainersCmd().withShowAll(true).exec());
    Map<String, Set<String>> result = new HashMap<>();
    for (Container container : containers) {
      List<ContainerMount> mounts = container.getMounts();
      if (mounts == null) {
        continue;
      }
      for (ContainerMount m : mounts) {
        if (m.getName() != null && !m.getName().isEmpty()) {
          result.computeIfAbsent(m.getName(), k -> new HashSet<>()).add(container.getId());
        }
      }
    }
    return result;
  }

  private static Map<String, String> labels(InspectVolumeResponse v) {
    return v.getLabels() == null ? Map.of() : v.getLabels();
  }

  private static VolumeInfo info(InspectVolumeResponse v, Set<String> users) {
    return new VolumeInfo(v.getName(), v.getDriver() == null ? "" : v.getDriver(), labels(v),
        v.getMountpoint() == null ? "" : v.getMountpoint(), users);
  }

  private NotOwnedException notOwned(VolumeInfo volume, Map<String, String> ownerLabels, String outcome) {
    return new NotOwnedException(volume.name(), "volume '" + volume.name() + "' on Docker Engine at " + runtime.engineHost()
        + " is not owned by this orchestrator: it lacks the labels " + new TreeMap<>(ownerLabels) + " (its labels: "
        + new TreeMap<>(volume.labels()) + "); " + outcome);
  }

  private static ResourceInUseException inUse(String name, Set<String> users) {
    return new ResourceInUseException(name, "volume '" + name + "' is still used by containers " + new TreeSet<>(users)
        + "; remove them first");
  }
}
