package dev.orchestrator.internal;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.scheduling.BatchScheduler;
import dev.orchestrator.scheduling.ClusterSnapshot;
import dev.orchestrator.scheduling.NodeSnapshot;
import dev.orchestrator.scheduling.Placement;
import dev.orchestrator.scheduling.PlacementRequest;
import dev.orchestrator.scheduling.Scheduler;
import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.storage.VolumeLocality;
import dev.orchestrator.storage.VolumeProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans with the pure scheduler and applies the plan (Nomad's plan/apply) without over-committing
 * a node when several services place at once. A snapshot is built from the observed state plus
 * reservations of containers placed but not yet observed; the scheduler plans on it <em>outside</em>
 * the lock; the applier then, under the lock, rejects the plan if a node it placed on changed since
 * the snapshot (capacity or replicas taken by a concurrent placement, the node lost or cordoned)
 * and the placement is planned again on a fresh snapshot. After {@link #OPTIMISTIC_ATTEMPTS}
 * rejections it plans under the lock, where nothing can race it. A reservation ends when its
 * container is observed, when its create fails, or after {@link #RESERVATION_TTL}.
 */
final class Placer {
  private static final Logger log = LoggerFactory.getLogger(Placer.class);
  static final Duration RESERVATION_TTL = Duration.ofMinutes(2);
  static final int OPTIMISTIC_ATTEMPTS = 3;

  private final List<Node> nodes;
  private final ObservedState observed;
  private final Scheduler scheduler;
  private final DesiredState desired;
  private final VolumeProvider volumes;
  private final Clock clock;
  private final Object lock = new Object();
  /** Node name to container name to reservation; guarded by {@link #lock}. */
  private final Map<String, Map<String, Reservation>> reservations = new HashMap<>();
  /** Orders reservations and listings; guarded by {@link #lock}. */
  private long sequence;
  /** Plans rejected as stale; guarded by {@link #lock}. */
  private long rejectedPlans;
  /** Node name to a change count of its reservations; guarded by {@link #lock}. */
  private final Map<String, Long> reservationVersions = new HashMap<>();
  /** Node name to its last snapshot and what it was built from (with the cache only); guarded by {@link #lock}. */
  private final Map<String, Built> built = new HashMap<>();
  private final Map<String, Node> byName = new HashMap<>();
  /** Nodes that take no new replica; written by the API, read here. */
  private final Set<String> cordoned;

  private record Built(long observedVersion, long reservationVersion, long desiredVersion, boolean cordoned, NodeSnapshot snapshot) {}

  private record Reservation(String service, Resources resources, Instant expires, long seq) {}

  /** A slot to place: its container name and a node to prefer, if any. */
  record Want(int slot, String containerName, String preferredNode) {}

  /** The placement of {@code wants.get(index)} on {@code node} needs these replicas evicted first. */
  record Preemption(int index, String node, List<Preemptor.Candidate> victims) {}

  /** One placement per want, in order, and the evictions some of them need. */
  record Result(List<Placement> placements, List<Preemption> preemptions) {}

  /**
   * What the nodes run, read for one snapshot: {@code listed} holds listings made outside the
   * lock (without the cache); with the cache it is empty and content is read under the lock.
   */
  private record Reading(Map<String, List<ContainerInfo>> listed, Set<String> unreachable, long listedAfter) {}

  Placer(List<Node> nodes, ObservedState observed, Scheduler scheduler, DesiredState desired, VolumeProvider volumes, Clock clock,
      Set<String> cordoned) {
    this.volumes = volumes;
    this.nodes = nodes.stream().sorted(java.util.Comparator.comparing(Node::name)).toList(); // snapshots need no sort
    this.cordoned = cordoned;
    this.observed = observed;
    this.scheduler = scheduler;
    this.desired = desired;
    this.clock = clock;
    nodes.forEach(n -> byName.put(n.name(), n));
  }

  /**
   * Places each wanted slot in order, accounting for the earlier ones; reserves the placed.
   * Nodes in {@code unobserved} are treated as not ready: the caller could not list them, so
   * they may still run the very replicas being placed (a node coming back from a partition).
   */
  Result place(ServiceSpec spec, List<Want> wants, Set<String> unobserved) {
    List<PlacementRequest> requests = new ArrayList<>();
    for (Want w : wants) { // outside the lock: a volume provider may ask its engine
      requests.add(new PlacementRequest(spec.name(), w.slot(), spec.resources(), constraints(spec, w.slot()), w.preferredNode(),
          spec.image(), spec.tolerations(), spec.antiAffinity(), spec.maxPerNode()));
    }
    for (int attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt++) {
      Reading reading = read(unobserved);
      ClusterSnapshot snapshot;
      synchronized (lock) {
        snapshot = snapshot(reading);
      }
      List<Placement> plan = placeAll(requests, snapshot);
      synchronized (lock) {
        Optional<String> stale = staleNode(plan, snapshot, reading);
        if (stale.isEmpty()) {
          return commit(spec, wants, requests, plan, reading);
        }
        rejectedPlans++;
        log.debug("plan for {} rejected (attempt {}): node {} changed since its snapshot", spec.name(), attempt, stale.get());
      }
    }
    Reading reading = read(unobserved);
    synchronized (lock) {
      return commit(spec, wants, requests, placeAll(requests, snapshot(reading)), reading);
    }
  }

  /**
   * Caller holds the lock. Reserves what the plan placed; then a replica that fits nowhere may
   * evict replicas of lower-priority services ({@link Preemptor}), each eviction accounted for
   * before the next replica's.
   */
  private Result commit(ServiceSpec spec, List<Want> wants, List<PlacementRequest> requests, List<Placement> plan, Reading reading) {
    reserve(spec, wants, plan);
    boolean unplaced = plan.stream().anyMatch(p -> !p.placed() && !p.failed());
    if (!unplaced || desired.services().values().stream().noneMatch(s -> s.priority() < spec.priority())) {
      return new Result(plan, List.of());
    }
    Instant now = clock.instant();
    long desiredVersion = desired.servicesVersion();
    List<NodeSnapshot> current = new ArrayList<>();
    Map<String, List<Preemptor.Candidate>> candidates = new HashMap<>();
    for (Node n : nodes) {
      current.add(current(n, reading, now, desiredVersion));
      candidates.put(n.name(), candidates(spec, n.name(), contentOf(n.name(), reading)));
    }
    List<Placement> out = new ArrayList<>(plan);
    List<Preemption> preemptions = new ArrayList<>();
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i).placed() || out.get(i).failed()) {
        continue;
      }
      Preemptor.Choice choice = Preemptor.choose(requests.get(i), spec.priority(), scheduler, current, candidates).orElse(null);
      if (choice == null) {
        continue;
      }
      out.set(i, Placement.on(choice.node()));
      reserve(spec, List.of(wants.get(i)), List.of(out.get(i)));
      candidates.get(choice.node()).removeAll(choice.victims());
      for (int k = 0; k < current.size(); k++) {
        if (current.get(k).name().equals(choice.node())) {
          current.set(k, Preemptor.without(current.get(k), choice.victims()).plus(requests.get(i)));
        }
      }
      preemptions.add(new Preemption(i, choice.node(), choice.victims()));
    }
    return new Result(out, preemptions);
  }

  /** Caller holds the lock. Running replicas of other declared services on the node, with their priorities. */
  private List<Preemptor.Candidate> candidates(ServiceSpec spec, String node, List<ContainerInfo> content) {
    List<Preemptor.Candidate> out = new ArrayList<>();
    Map<String, Reservation> reserved = reservations.getOrDefault(node, Map.of());
    for (ContainerInfo c : content == null ? List.<ContainerInfo>of() : content) {
      String service = c.label(OwnerLabels.SERVICE);
      ServiceSpec owner = service == null ? null : desired.service(service);
      if (owner != null && c.running() && !service.equals(spec.name()) && owner.priority() < spec.priority()
          && !reserved.containsKey(c.name())) {
        out.add(new Preemptor.Candidate(c, service, owner.priority(), owner.resources()));
      }
    }
    return out;
  }

  /** Plans rejected because a node they placed on changed between snapshot and apply. */
  long rejectedPlans() {
    synchronized (lock) {
      return rejectedPlans;
    }
  }

  /** Ends a reservation early (its create failed). */
  void release(String containerName) {
    synchronized (lock) {
      reservations.forEach((node, m) -> {
        if (m.remove(containerName) != null) {
          reservationVersions.merge(node, 1L, Long::sum);
        }
      });
    }
  }

  /** Makes every view fresh (listing where needed) or, without the cache, lists every node; no lock held. */
  private Reading read(Set<String> unobserved) {
    long listedAfter;
    synchronized (lock) {
      listedAfter = sequence++;
    }
    Map<String, List<ContainerInfo>> listed = new HashMap<>();
    Set<String> unreachable = new HashSet<>(unobserved);
    for (Node n : nodes) {
      if (unreachable.contains(n.name())) {
        continue;
      }
      try {
        if (observed.cached()) {
          observed.refresh(n);
        } else {
          listed.put(n.name(), observed.readAll(n));
        }
      } catch (RuntimeException e) {
        unreachable.add(n.name()); // down or timed out: place nothing there now
      }
    }
    return new Reading(listed, unreachable, listedAfter);
  }

  /** Caller holds the lock. The node's containers for this reading, or null when it is not to be used. */
  private List<ContainerInfo> contentOf(String node, Reading reading) {
    if (reading.unreachable().contains(node)) {
      return null;
    }
    return observed.cached() ? observed.peekAll(node) : reading.listed().get(node);
  }

  /** Caller holds the lock: the first node a placement chose whose state differs from the snapshot's. */
  private Optional<String> staleNode(List<Placement> plan, ClusterSnapshot snapshot, Reading reading) {
    Map<String, NodeSnapshot> planned = new HashMap<>();
    snapshot.nodes().forEach(n -> planned.put(n.name(), n));
    Set<String> checked = new HashSet<>();
    for (Placement p : plan) {
      String name = p.node().orElse(null);
      if (name == null || !checked.add(name)) {
        continue;
      }
      NodeSnapshot then = planned.get(name);
      NodeSnapshot now = nodeSnapshot(node(name), contentOf(name, reading));
      if (now.ready() != then.ready() || now.cordoned() != then.cordoned()
          || now.cpuAllocatedMillis() != then.cpuAllocatedMillis() || now.memoryAllocatedBytes() != then.memoryAllocatedBytes()
          || !now.replicasByService().equals(then.replicasByService())) {
        return Optional.of(name);
      }
    }
    return Optional.empty();
  }

  /** Caller holds the lock. */
  private void reserve(ServiceSpec spec, List<Want> wants, List<Placement> plan) {
    Instant expires = clock.instant().plus(RESERVATION_TTL);
    for (int i = 0; i < wants.size(); i++) {
      if (plan.get(i).placed()) {
        String node = plan.get(i).node().get();
        reservations.computeIfAbsent(node, k -> new HashMap<>())
            .put(wants.get(i).containerName(), new Reservation(spec.name(), spec.resources(), expires, sequence++));
        reservationVersions.merge(node, 1L, Long::sum);
      }
    }
  }

  /** The spec's constraints plus, when the volume provider knows where volumes live, those of the slot's volumes. */
  private List<PlacementConstraint> constraints(ServiceSpec spec, int slot) {
    if (!(volumes instanceof VolumeLocality locality)) {
      return spec.constraints();
    }
    List<PlacementConstraint> all = new ArrayList<>(spec.constraints());
    for (MountSpec m : spec.mounts()) {
      if (m.type() == MountSpec.Type.VOLUME) {
        for (PlacementConstraint c : locality.placementConstraints(desired.volumeFor(m, spec.name(), slot))) {
          if (!all.contains(c)) {
            all.add(c);
          }
        }
      }
    }
    return all;
  }

  /** One pass of a {@link BatchScheduler}, or one placement after another on an updated snapshot. */
  private List<Placement> placeAll(List<PlacementRequest> requests, ClusterSnapshot snapshot) {
    if (scheduler instanceof BatchScheduler batch) {
      return batch.placeAll(requests, snapshot);
    }
    List<Placement> placements = new ArrayList<>();
    for (PlacementRequest request : requests) {
      Placement p = scheduler.place(request, snapshot);
      placements.add(p);
      if (p.placed()) {
        snapshot = snapshot.withPlacement(p.node().get(), request);
      }
    }
    return placements;
  }

  /** Caller holds the lock. */
  private ClusterSnapshot snapshot(Reading reading) {
    Instant now = clock.instant();
    long desiredVersion = desired.servicesVersion();
    List<NodeSnapshot> snapshots = new ArrayList<>(nodes.size());
    for (Node n : nodes) {
      snapshots.add(current(n, reading, now, desiredVersion));
    }
    return new ClusterSnapshot(snapshots);
  }

  /**
   * Caller holds the lock. The node as observed plus its reservations, rebuilt only when the
   * observed view, the reservations or the declarations changed (or a reservation expired). A
   * reservation ends only when a reading that began after it was made shows its container: an
   * older listing may have missed it.
   */
  private NodeSnapshot current(Node n, Reading reading, Instant now, long desiredVersion) {
    String name = n.name();
    Map<String, Reservation> reserved = reservations.getOrDefault(name, Map.of());
    boolean expired = false;
    for (Reservation r : reserved.values()) {
      expired |= r.expires().isBefore(now);
    }
    boolean cacheable = observed.cached() && !reading.unreachable().contains(name);
    long observedVersion = cacheable ? observed.version(name) : -1;
    if (cacheable && !expired && observed.fresh(name)) {
      Built b = built.get(name);
      if (b != null && b.observedVersion() == observedVersion && b.desiredVersion() == desiredVersion
          && b.cordoned() == cordoned.contains(name)
          && b.reservationVersion() == reservationVersions.getOrDefault(name, 0L)) {
        return b.snapshot();
      }
    }
    List<ContainerInfo> content = contentOf(name, reading);
    if (!reserved.isEmpty() && content != null) {
      Set<String> names = new HashSet<>();
      content.forEach(c -> names.add(c.name()));
      if (reserved.entrySet().removeIf(e -> names.contains(e.getKey()) && e.getValue().seq() < reading.listedAfter()
          || e.getValue().expires().isBefore(now))) {
        reservationVersions.merge(name, 1L, Long::sum);
      }
    }
    NodeSnapshot snapshot = nodeSnapshot(n, content);
    if (cacheable && content != null) {
      built.put(name, new Built(observedVersion, reservationVersions.getOrDefault(name, 0L), desiredVersion, snapshot.cordoned(), snapshot));
    }
    return snapshot;
  }

  /** Caller holds the lock. The node as observed ({@code null}: not ready) plus its reservations. */
  private NodeSnapshot nodeSnapshot(Node n, List<ContainerInfo> content) {
    long cpu = 0;
    long memory = 0;
    Map<String, Integer> counts = new HashMap<>();
    Set<String> images = new HashSet<>();
    Map<String, Reservation> reserved = reservations.getOrDefault(n.name(), Map.of());
    for (ContainerInfo c : content == null ? List.<ContainerInfo>of() : content) {
      if (c.image() != null && !c.image().isEmpty()) {
        images.add(c.image());
      }
      if (c.state() == ContainerState.EXITED || reserved.containsKey(c.name())) {
        continue;
      }
      String service = c.label(OwnerLabels.SERVICE);
      ServiceSpec spec = service == null ? null : desired.service(service);
      Resources r = spec == null ? Resources.NONE : spec.resources();
      cpu += r.cpuMillis();
      memory += r.memoryBytes();
      if (service != null) {
        counts.merge(service, 1, Integer::sum);
      }
    }
    for (Reservation r : reserved.values()) {
      cpu += r.resources().cpuMillis();
      memory += r.resources().memoryBytes();
      counts.merge(r.service(), 1, Integer::sum);
    }
    return new NodeSnapshot(n.info(), content != null, cpu, memory, counts, cordoned.contains(n.name()), images);
  }

  private Node node(String name) {
    return byName.get(name);
  }
}
