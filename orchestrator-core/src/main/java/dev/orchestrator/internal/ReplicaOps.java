package dev.orchestrator.internal;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.network.NetworkProvider;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.ServiceRegistry;
import dev.orchestrator.runtime.ContainerConflictException;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.runtime.PublishedPort;
import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.storage.VolumeProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The side effects of reconciling one replica: create and start a container with its networks
 * and volumes, publish or withdraw it in the registry, stop and remove it. Stateless apart from
 * its collaborators; called only by reconcile workers.
 */
final class ReplicaOps {
  private final String instanceId;
  private final ServiceRegistry registry;
  private final NetworkProvider networks;
  private final VolumeProvider volumes;
  private final HealthProber prober;
  private final EventBus events;
  private final Clock clock;
  private final java.util.concurrent.atomic.AtomicBoolean closing;
  private final ObservedState observed;

  ReplicaOps(String instanceId, ServiceRegistry registry, NetworkProvider networks, VolumeProvider volumes,
      HealthProber prober, EventBus events, Clock clock, java.util.concurrent.atomic.AtomicBoolean closing,
      ObservedState observed) {
    this.instanceId = instanceId;
    this.observed = observed;
    this.registry = registry;
    this.networks = networks;
    this.volumes = volumes;
    this.prober = prober;
    this.events = events;
    this.clock = clock;
    this.closing = closing;
  }

  private void ensureOpen(String what) {
    if (closing.get()) {
      throw new dev.orchestrator.OrchestratorException("orchestrator is closing: " + what + " not done");
    }
  }

  static String replicaName(String service, int slot) {
    return service + "-" + slot;
  }

  String containerName(String service, int slot, long generation) {
    return instanceId + "-" + service + "-" + slot + "-" + generation;
  }

  /**
   * Creates (or finds, after a create that timed out but succeeded) and starts a replica's container, and writes the
   * container as inspected after its start through into the observed state.
   */
  ContainerInfo createAndStart(Node node, ServiceSpec spec, int slot, long generation, int restarts) {
    String name = containerName(spec.name(), slot, generation);
    ensureOpen("create of " + name);
    observed.ownStartBegins(node.name(), spec.name());
    ContainerInfo info = null;
    try {
      info = createAndStartOwn(node, spec, name, slot, generation, restarts);
      return info;
    } finally {
      observed.ownStartEnded(node.name(), spec.name(), info);
    }
  }

  private ContainerInfo createAndStartOwn(Node node, ServiceSpec spec, String name, int slot, long generation, int restarts) {
    Map<String, String> labels = new TreeMap<>(spec.labels());
    labels.put(OwnerLabels.INSTANCE, instanceId);
    labels.put(OwnerLabels.SERVICE, spec.name());
    labels.put(OwnerLabels.SLOT, Integer.toString(slot));
    labels.put(OwnerLabels.SPEC_HASH, spec.specHash());
    labels.put(OwnerLabels.GENERATION, Long.toString(generation));
    labels.put(OwnerLabels.RESTARTS, Integer.toString(restarts));
    Map<String, String> volumeNames = new HashMap<>();
    for (MountSpec m : spec.mounts()) {
      if (m.type() == MountSpec.Type.VOLUME) {
        volumeNames.put(m.target(), m.volumeNameFor(spec.name(), slot));
      }
    }
    String id;
    try {
      id = node.call("create", name, node.callTimeout(), () -> node.runtime().create(new ContainerRequest(name, spec, labels, volumeNames)));
    } catch (ContainerConflictException e) {
      id = e.resourceId();
      String existing = id;
      ContainerInfo found = node.call("inspect", existing, () -> node.runtime().inspect(existing)).orElse(null);
      if (found == null || !ownerLabelsOf(labels).equals(ownerLabelsOf(found.labels()))) {
        throw new NameTakenException(node.name(), existing, "container name " + name + " on node " + node.name()
            + " is taken by container " + existing + ", which is not this replica of instance " + instanceId
            + " (labels " + (found == null ? "unknown" : found.labels()) + "); it is left alone");
      }
    }
    String containerId = id;
    volumeNames.values().forEach(v -> volumes.attach(v, containerId));
    String replica = replicaName(spec.name(), slot);
    for (String network : spec.networks()) {
      networks.connect(network, containerId, List.of(spec.name(), replica));
    }
    events.publish(new OrchestratorEvent.ReplicaScheduled(clock.instant(), spec.name(), replica, node.name()));
    ensureOpen("start of " + name);
    try {
      node.call("start", containerId, node.callTimeout(), () -> {
        node.runtime().start(containerId);
        return null;
      });
    } catch (RuntimeException e) {
      try {
        change(node, spec.name(), "remove", containerId, node.callTimeout(), () -> {
          node.runtime().remove(containerId);
          return null;
        });
        detach(containerId);
      } catch (RuntimeException removal) {
        e.addSuppressed(removal);
      }
      throw new dev.orchestrator.runtime.ContainerRuntimeException(node.name(), containerId,
          "start of " + name + " failed, container removed: " + e.getMessage(), e);
    }
    ContainerInfo info = node.call("inspect", containerId, () -> node.runtime().inspect(containerId))
        .orElseThrow(() -> new dev.orchestrator.runtime.ContainerRuntimeException(node.name(), containerId,
            "container " + containerId + " vanished right after start"));
    events.publish(new OrchestratorEvent.ReplicaStarted(clock.instant(), spec.name(), replica, node.name(), containerId));
    return info;
  }

  /** The labels that make a container this replica: instance, service, slot and generation. */
  private static Map<String, String> ownerLabelsOf(Map<String, String> labels) {
    Map<String, String> result = new TreeMap<>();
    for (String key : List.of(OwnerLabels.INSTANCE, OwnerLabels.SERVICE, OwnerLabels.SLOT, OwnerLabels.GENERATION)) {
      result.put(key, String.valueOf(labels.get(key)));
    }
    return result;
  }

  /**
   * A replica's deterministic name is held by a container that is not that replica (foreign, or
   * another instance's): it is never started, adopted or removed; the slot moves to the next
   * generation's name instead.
   */
  static final class NameTakenException extends dev.orchestrator.runtime.ContainerRuntimeException {
    private static final long serialVersionUID = 1L;

    NameTakenException(String node, String resourceId, String message) {
      super(node, resourceId, message);
    }
  }

  void start(Node node, ContainerInfo c) {
    ensureOpen("start of " + c.name());
    change(node, serviceOf(c), "start", c.id(), node.callTimeout(), () -> {
      node.runtime().start(c.id());
      return null;
    });
  }

  /**
   * A call that changes what the node runs for the service: the observed entry is marked before
   * (a listing racing the call is not trusted) and after (nor one that began before it finished).
   */
  private <T> T change(Node node, String service, String operation, String resource, Duration timeout,
      java.util.concurrent.Callable<T> call) {
    observed.touch(node.name(), service);
    try {
      return node.call(operation, resource, timeout, call);
    } finally {
      observed.touch(node.name(), service);
    }
  }

  private static String serviceOf(ContainerInfo c) {
    return java.util.Objects.requireNonNullElse(c.label(OwnerLabels.SERVICE), "");
  }

  /** Withdraws, stops with the grace period, removes, and releases the container's attachments. */
  void remove(Node node, ContainerInfo c, ServiceBook.SlotRecord rec, Duration grace, String reason) {
    deregister(c, rec);
    prober.untrack(c.id());
    if (c.running()) {
      stop(node, c, grace);
    }
    change(node, serviceOf(c), "remove", c.id(), node.callTimeout(), () -> {
      node.runtime().remove(c.id());
      return null;
    });
    detach(c.id());
    events.publish(new OrchestratorEvent.ReplicaRemoved(clock.instant(), c.label(OwnerLabels.SERVICE),
        replicaName(c.label(OwnerLabels.SERVICE), slotOf(c)), reason));
  }

  /** Stops a running container (liveness failure); it stays for the restart logic to see. */
  void stop(Node node, ContainerInfo c, Duration grace) {
    change(node, serviceOf(c), "stop", c.id(), node.callTimeout().plus(grace), () -> {
      node.runtime().stop(c.id(), grace);
      return null;
    });
  }

  private void detach(String containerId) {
    for (String network : networks.list(OwnerLabels.ofInstance(instanceId)).stream()
        .filter(n -> n.containers().contains(containerId)).map(n -> n.name()).toList()) {
      networks.disconnect(network, containerId);
    }
    volumes.list(OwnerLabels.ofInstance(instanceId)).stream().filter(v -> v.usedBy().contains(containerId))
        .forEach(v -> volumes.detach(v.name(), containerId));
  }

  void register(ServiceSpec spec, Node node, ContainerInfo c, ServiceBook.SlotRecord rec) {
    Map<String, Integer> ports = new TreeMap<>();
    Map<String, Integer> containerPorts = new TreeMap<>();
    String host = node.info().address();
    for (PortSpec p : spec.ports()) {
      containerPorts.put(p.name(), p.containerPort());
      PublishedPort published = c.port(p.containerPort()).orElse(null);
      if (published != null) {
        ports.put(p.name(), published.hostPort());
        host = published.hostAddress();
      }
    }
    Map<String, String> meta = new TreeMap<>(spec.labels());
    meta.put("slot", Integer.toString(rec.slot));
    meta.put("container", c.id());
    meta.put("spec-hash", c.label(OwnerLabels.SPEC_HASH) == null ? "" : c.label(OwnerLabels.SPEC_HASH));
    registry.register(new Endpoint(spec.name(), replicaName(spec.name(), rec.slot), node.name(), host, ports, meta,
        containerPorts, c.networks()));
    rec.registeredContainer = c.id();
  }

  /** Withdraws the slot's endpoint if the registry lists it for this container. */
  void withdraw(String service, int slot, String containerId) {
    String id = replicaName(service, slot);
    boolean listed = registry.lookup(service).endpoints().stream()
        .anyMatch(e -> e.id().equals(id) && containerId.equals(e.metadata().get("container")));
    if (listed) {
      registry.deregister(service, id);
    }
  }

  /** Withdraws the container's endpoint if the registry lists this very container. */
  void deregister(ContainerInfo c, ServiceBook.SlotRecord rec) {
    withdraw(c.label(OwnerLabels.SERVICE), slotOf(c), c.id());
    if (rec != null && rec.registeredContainer.equals(c.id())) {
      rec.registeredContainer = "";
    }
  }

  static int slotOf(ContainerInfo c) {
    try {
      return Integer.parseInt(c.label(OwnerLabels.SLOT));
    } catch (RuntimeException e) {
      return -1;
    }
  }

  static long generationOf(ContainerInfo c) {
    try {
      return Long.parseLong(c.label(OwnerLabels.GENERATION));
    } catch (RuntimeException e) {
      return 0;
    }
  }

  static int restartsOf(ContainerInfo c) {
    try {
      return Integer.parseInt(c.label(OwnerLabels.RESTARTS));
    } catch (RuntimeException e) {
      return 0;
    }
  }
}
