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
import java.util.ArrayList;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>Locality: a volume lives on the provider's home engine, so replicas mounting it are pinned to
 * that node ({@link VolumeLocality}), unless it is of a shared kind (local driver {@code type} nfs,
 * nfs4 or cifs). A shared volume is declared on the home engine and on every {@code sharedOn}
 * engine (same name, driver, options, labels), so that a replica placed on any of those nodes
 * mounts the same remote data; its users are counted on all of them. Thread-safe.
 */
public final class DockerVolumeProvider implements VolumeProvider, VolumeLocality {
  private static final Logger log = LoggerFactory.getLogger(DockerVolumeProvider.class);
  private final DockerRuntime runtime;
  private final List<DockerRuntime> sharedOn;
  /** Volume name to containers recorded by {@link #attach}. */
  private final Map<String, Set<String>> attached = new ConcurrentHashMap<>();
  private volatile String nodeName;

  /** Volumes on one engine (the orchestrator's single node, or the home node of its volumes). */
  public DockerVolumeProvider(DockerRuntime runtime) {
    this(runtime, List.of());
  }

  /**
   * Volumes on the home engine {@code runtime}; shared-kind volumes also on {@code sharedOn} (the
   * orchestrator's other nodes), so that replicas mounting them may run on any of them.
   */
  public DockerVolumeProvider(DockerRuntime runtime, List<DockerRuntime> sharedOn) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.sharedOn = List.copyOf(sharedOn);
  }

  @Override
  public VolumeInfo ensure(VolumeSpec spec, Map<String, String> ownerLabels) {
    InspectVolumeResponse home = ensureOn(runtime, spec, ownerLabels);
    if (VolumeLocality.isShared(spec)) {
      for (DockerRuntime peer : sharedOn) {
        ensureOn(peer, spec, ownerLabels);
      }
    }
    return info(home, usedBy(home));
  }

  /** Creates the volume on one engine if absent; fails if the engine's volume of that name is not the owner's. */
  private static InspectVolumeResponse ensureOn(DockerRuntime engine, VolumeSpec spec, Map<String, String> ownerLabels) {
    Optional<InspectVolumeResponse> existing = raw(engine, spec.name());
    boolean created = existing.isEmpty();
    if (created) {
      Map<String, String> labels = new HashMap<>(spec.labels());
      labels.putAll(ownerLabels);
      engine.call("create of volume " + spec.name(), spec.name(), c -> c.createVolumeCmd()
          .withName(spec.name()).withDriver(spec.driver()).withDriverOpts(spec.options()).withLabels(labels).exec());
      // the engine answers a create of an existing name with that volume: check whose it is
      existing = raw(engine, spec.name());
    }
    InspectVolumeResponse found = existing
        .orElseThrow(() -> new OrchestratorException("volume '" + spec.name() + "' vanished right after its creation"));
    VolumeInfo volume = info(found, Set.of());
    if (!volume.ownedBy(ownerLabels)) {
      throw notOwned(engine, volume, ownerLabels, "it was neither adopted nor changed");
    }
    Map<String, String> options = found.getOptions() == null ? Map.of() : found.getOptions();
    if (!created && (!spec.driver().equals(volume.driver()) || !spec.options().equals(options))) {
      log.warn("volume {} on {} is used as it is: driver {} options {}, declared driver {} options {} (a volume's driver"
          + " and options cannot change; remove it to apply them)", spec.name(), engine.engineHost(), volume.driver(),
          options, spec.driver(), spec.options());
    }
    return found;
  }

  /**
   * Removes an owned volume that no container uses (a shared one from every engine); an unknown
   * name is a no-op. Everything is checked before anything is removed.
   *
   * @throws NotOwnedException when the volume lacks the owner's labels
   * @throws ResourceInUseException when containers mount it (or are recorded as its users)
   */
  @Override
  public void remove(String name, Map<String, String> ownerLabels) {
    Optional<InspectVolumeResponse> home = raw(runtime, name);
    if (home.isEmpty()) {
      return;
    }
    List<DockerRuntime> engines = new ArrayList<>(List.of(runtime));
    if (shared(home.get())) {
      for (DockerRuntime peer : sharedOn) {
        Optional<InspectVolumeResponse> there = raw(peer, name);
        if (there.isPresent()) {
          if (!info(there.get(), Set.of()).ownedBy(ownerLabels)) {
            throw notOwned(peer, info(there.get(), Set.of()), ownerLabels, "it was left alone");
          }
          engines.add(peer);
        }
      }
    }
    VolumeInfo volume = info(home.get(), usedBy(home.get()));
    if (!volume.ownedBy(ownerLabels)) {
      throw notOwned(runtime, volume, ownerLabels, "it was left alone");
    }
    if (!volume.usedBy().isEmpty()) {
      throw inUse(name, volume.usedBy());
    }
    for (DockerRuntime engine : engines) {
      boolean mounted = engine.call("remove of volume " + name, name, c -> {
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
        throw inUse(name, mounting(engine, name));
      }
    }
    attached.remove(name);
  }

  @Override
  public Optional<VolumeInfo> inspect(String name) {
    return raw(runtime, name).map(v -> info(v, usedBy(v)));
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
    Map<String, Set<String>> mounts = mountsByVolume(runtime);
    if (selected.stream().anyMatch(DockerVolumeProvider::shared)) {
      for (DockerRuntime peer : sharedOn) {
        mountsByVolume(peer).forEach((v, ids) -> mounts.computeIfAbsent(v, k -> new HashSet<>()).addAll(ids));
      }
    }
    Set<String> listed = new HashSet<>();
    mounts.values().forEach(listed::addAll);
    Set<String> unknown = recordedContainers();
    unknown.removeAll(listed);
    Set<String> existing = existing(unknown);
    existing.addAll(listed);
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
    if (raw(runtime, volume).isEmpty()) {
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

  /** The home engine's node, unless the volume is of a shared kind. */
  @Override
  public List<PlacementConstraint> placementConstraints(VolumeSpec volume) {
    String node = nodeName;
    if (node == null) {
      node = runtime.node().name();
      nodeName = node;
    }
    return VolumeLocality.onNode(node, volume);
  }

  private static Optional<InspectVolumeResponse> raw(DockerRuntime engine, String name) {
    return engine.call("inspect of volume " + name, name, c -> {
      try {
        return Optional.of(c.inspectVolumeCmd(name).exec());
      } catch (NotFoundException e) {
        return Optional.<InspectVolumeResponse>empty();
      }
    });
  }

  private static boolean shared(InspectVolumeResponse v) {
    return VolumeLocality.SHARED_TYPES.contains(v.getOptions() == null ? "" : v.getOptions().getOrDefault("type", ""));
  }

  /** Containers mounting the volume (on every engine it is declared on), and recorded users that still exist. */
  private Set<String> usedBy(InspectVolumeResponse volume) {
    String name = volume.getName();
    Set<String> mounting = new HashSet<>(mounting(runtime, name));
    if (shared(volume)) {
      for (DockerRuntime peer : sharedOn) {
        mounting.addAll(mounting(peer, name));
      }
    }
    Set<String> unknown = new HashSet<>(attached.getOrDefault(name, Set.of()));
    unknown.removeAll(mounting);
    return users(name, mounting, existing(unknown));
  }

  private static Set<String> mounting(DockerRuntime engine, String volume) {
    return engine.call("list of containers using volume " + volume, volume, c ->
        c.listContainersCmd().withShowAll(true).withVolumeFilter(List.of(volume)).exec().stream()
            .map(Container::getId).collect(java.util.stream.Collectors.toSet()));
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

  /** Those of the ids (recorded users that mount nothing: full or short ids) whose containers exist on the home engine or a sharing one, as given. */
  private Set<String> existing(Set<String> ids) {
    if (ids.isEmpty()) {
      return new HashSet<>();
    }
    List<String> found = new ArrayList<>();
    for (DockerRuntime engine : engines()) {
      found.addAll(engine.call("list of containers " + ids, "", c ->
          c.listContainersCmd().withShowAll(true).withIdFilter(List.copyOf(ids)).exec().stream().map(Container::getId).toList()));
    }
    Set<String> result = new HashSet<>();
    for (String id : ids) {
      if (found.stream().anyMatch(f -> f.startsWith(id))) {
        result.add(id);
      }
    }
    return result;
  }

  private List<DockerRuntime> engines() {
    List<DockerRuntime> all = new ArrayList<>(List.of(runtime));
    all.addAll(sharedOn);
    return all;
  }

  /** Volume name to ids of the containers (any state) of one engine that mount it, in one listing. */
  private static Map<String, Set<String>> mountsByVolume(DockerRuntime engine) {
    List<Container> containers = engine.call("list of containers", "", c -> c.listContainersCmd().withShowAll(true).exec());
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

  private static NotOwnedException notOwned(DockerRuntime engine, VolumeInfo volume, Map<String, String> ownerLabels,
      String outcome) {
    return new NotOwnedException(volume.name(), "volume '" + volume.name() + "' on Docker Engine at " + engine.engineHost()
        + " is not owned by this orchestrator: it lacks the labels " + new TreeMap<>(ownerLabels) + " (its labels: "
        + new TreeMap<>(volume.labels()) + "); " + outcome);
  }

  private static ResourceInUseException inUse(String name, Set<String> users) {
    return new ResourceInUseException(name, "volume '" + name + "' is still used by containers " + new TreeSet<>(users)
        + "; remove them first");
  }
}
