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
import java.util.Set;

/**
 * Commits the pure scheduler's decisions without over-committing a node when several services
 * place at once. It builds a snapshot from what the nodes list plus reservations of containers
 * placed but not yet visible, asks the scheduler under one lock, and reserves what it placed.
 * A reservation ends when its container shows up in a listing, when its create fails, or after
 * {@link #RESERVATION_TTL}.
 */
final class Placer {
  static final Duration RESERVATION_TTL = Duration.ofMinutes(2);

  private final String instanceId;
  private final List<Node> nodes;
  private final Scheduler scheduler;
  private final DesiredState desired;
  private final VolumeProvider volumes;
  private final Clock clock;
  private final Object lock = new Object();
  /** Container name to reservation; guarded by {@link #lock}. */
  private final Map<String, Reservation> reservations = new HashMap<>();

  private record Reservation(String node, String service, Resources resources, Instant expires, long seq) {}

  /** Orders reservations and listings; guarded by {@link #lock}. */
  private long sequence;

  /** A slot to place: its container name and a node to prefer, if any. */
  record Want(int slot, String containerName, String preferredNode) {}

  Placer(String instanceId, List<Node> nodes, Scheduler scheduler, DesiredState desired, VolumeProvider volumes, Clock clock) {
    this.instanceId = instanceId;
    this.nodes = nodes;
    this.scheduler = scheduler;
    this.desired = desired;
    this.volumes = volumes;
    this.clock = clock;
  }

  /**
   * Places each wanted slot in order, accounting for the earlier ones; reserves the placed.
   * Nodes in {@code unobserved} are treated as not ready: the caller could not list them, so
   * they may still run the very replicas being placed (a node coming back from a partition).
   */
  List<Placement> place(ServiceSpec spec, List<Want> wants, Set<String> unobserved) {
    long listedAfter;
    synchronized (lock) {
      listedAfter = sequence++;
    }
    Map<String, List<ContainerInfo>> observed = new HashMap<>();
    Set<String> unreachable = new HashSet<>(unobserved);
    for (Node n : nodes) {
      if (unreachable.contains(n.name())) {
        continue;
      }
      try {
        observed.put(n.name(), n.call("list", "", () -> n.runtime().list(OwnerLabels.ofInstance(instanceId))));
      } catch (RuntimeException e) {
        unreachable.add(n.name()); // down or timed out: place nothing there now
      }
    }
    List<PlacementRequest> requests = new ArrayList<>();
    for (Want w : wants) { // outside the lock: a volume provider may ask its engine
      requests.add(new PlacementRequest(spec.name(), w.slot(), spec.resources(), constraints(spec, w.slot()), w.preferredNode())
          .withImage(spec.image()));
    }
    List<Placement> out = new ArrayList<>();
    synchronized (lock) {
      ClusterSnapshot snapshot = snapshot(observed, unreachable, listedAfter);
      Instant expires = clock.instant().plus(RESERVATION_TTL);
      out.addAll(placeAll(requests, snapshot));
      for (int i = 0; i < wants.size(); i++) {
        if (out.get(i).placed()) {
          String node = out.get(i).node().get();
          reservations.put(wants.get(i).containerName(), new Reservation(node, spec.name(), spec.resources(), expires, sequence++));
        }
      }
    }
    return out;
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

  /** Ends a reservation early (its create failed). */
  void release(String containerName) {
    synchronized (lock) {
      reservations.remove(containerName);
    }
  }

  /**
   * Caller holds the lock. A reservation ends only when a listing that began after it was made
   * shows its container: an older listing may have missed it.
   */
  private ClusterSnapshot snapshot(Map<String, List<ContainerInfo>> observed, Set<String> unreachable, long listedAfter) {
    Set<String> listedNames = new HashSet<>();
    observed.values().forEach(list -> list.forEach(c -> listedNames.add(c.name())));
    Instant now = clock.instant();
    reservations.entrySet().removeIf(e -> listedNames.contains(e.getKey()) && e.getValue().seq() < listedAfter
        || e.getValue().expires().isBefore(now));
    List<NodeSnapshot> snapshots = new ArrayList<>();
    for (Node n : nodes) {
      long cpu = 0;
      long memory = 0;
      Map<String, Integer> counts = new HashMap<>();
      Set<String> images = new HashSet<>();
      for (ContainerInfo c : observed.getOrDefault(n.name(), List.of())) {
        if (c.image() != null && !c.image().isEmpty()) {
          images.add(c.image());
        }
        if (c.state() == ContainerState.EXITED || reservations.containsKey(c.name())) {
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
      for (Reservation r : reservations.values()) {
        if (r.node().equals(n.name())) {
          cpu += r.resources().cpuMillis();
          memory += r.resources().memoryBytes();
          counts.merge(r.service(), 1, Integer::sum);
        }
      }
      snapshots.add(new NodeSnapshot(n.info(), !unreachable.contains(n.name()), cpu, memory, counts, false, images));
    }
    return new ClusterSnapshot(snapshots);
  }
}
