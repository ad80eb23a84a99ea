package dev.orchestrator.internal;

import dev.orchestrator.NotOwnedException;
import dev.orchestrator.ResourceInUseException;
import dev.orchestrator.network.NetworkProvider;
import dev.orchestrator.reconcile.ReconcileResult;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.NetworkSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.VolumeSpec;
import dev.orchestrator.storage.VolumeProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Networks and volumes around a service's life: ensures them before its containers exist,
 * removes its containers when it is deleted (or is an orphan past the grace period), and
 * releases the networks and deletable volumes nothing else uses. Retained volumes are never
 * removed here.
 */
final class Teardown {
  private static final Logger log = LoggerFactory.getLogger(Teardown.class);
  private final String instanceId;
  private final DesiredState desired;
  private final ReplicaOps ops;
  private final NetworkProvider networks;
  private final VolumeProvider volumes;
  private final Clock clock;
  private volatile Instant orphansRemovableAt;

  Teardown(String instanceId, DesiredState desired, ReplicaOps ops, NetworkProvider networks, VolumeProvider volumes,
      Clock clock, Duration orphanGracePeriod) {
    this.instanceId = instanceId;
    this.desired = desired;
    this.ops = ops;
    this.networks = networks;
    this.volumes = volumes;
    this.clock = clock;
    this.orphansRemovableAt = clock.instant().plus(orphanGracePeriod);
  }

  /** Ends the orphan grace period now. */
  void removeOrphansNow() {
    orphansRemovableAt = clock.instant();
  }

  Map<String, String> owner() {
    return OwnerLabels.ofInstance(instanceId);
  }

  /** Creates the service's networks, and the volumes of the given slots, where missing: before their containers are created. */
  void ensureNetworksAndVolumes(ServiceSpec spec, List<Integer> slots) {
    for (String network : spec.networks()) {
      networks.ensure(desired.network(network).orElse(NetworkSpec.named(network)), owner());
    }
    for (int slot : slots) {
      for (MountSpec m : spec.mounts()) {
        if (m.type() == MountSpec.Type.VOLUME) {
          VolumeSpec volume = desired.volumeFor(m, spec.name(), slot);
          Map<String, String> labels = new java.util.HashMap<>(owner());
          labels.put(OwnerLabels.RETENTION, volume.retention().name().toLowerCase(java.util.Locale.ROOT));
          volumes.ensure(volume, labels);
        }
      }
    }
  }

  /** Removes the containers of a service that is no longer declared. */
  ReconcileResult run(String service, ServiceBook book, List<Cluster.Observed> observed) {
    boolean deleted = desired.wasDeleted(service);
    Instant now = clock.instant();
    if (!deleted && now.isBefore(orphansRemovableAt)) {
      log.info("{} is not declared; left alone until the orphan grace period ends", service);
      return ReconcileResult.requeueAfter(Duration.between(now, orphansRemovableAt));
    }
    Duration grace = book.lastSpec != null ? book.lastSpec.stopGracePeriod() : Duration.ofSeconds(10);
    observed.stream()
        .sorted(Comparator.comparingInt((Cluster.Observed o) -> ReplicaOps.slotOf(o.container())).reversed())
        .forEach(o -> ops.remove(o.node(), o.container(), book.slots.get(ReplicaOps.slotOf(o.container())), grace,
            deleted ? "service deleted" : "orphan of an earlier run"));
    if (book.lastSpec != null && desired.service(service) == null) {
      release(book.lastSpec);
    }
    desired.teardownFinished(service);
    return ReconcileResult.done();
  }

  /** Removes the spec's networks and DELETE-retention volumes that no declared service uses. */
  void release(ServiceSpec spec) {
    for (String network : spec.networks()) {
      if (!desired.networkDeclared(network) && !desired.networkUsed(network, spec.name())) {
        quietly(() -> networks.remove(network, owner()), "network " + network);
      }
    }
    for (MountSpec m : spec.mounts()) {
      if (m.type() != MountSpec.Type.VOLUME) {
        continue;
      }
      VolumeSpec declared = desired.volume(m.source()).orElse(VolumeSpec.named(m.source()));
      if (declared.retention() != VolumeSpec.Retention.DELETE) {
        continue;
      }
      for (int slot = 0; slot < (m.perReplica() ? spec.replicas() : 1); slot++) {
        String name = m.volumeNameFor(spec.name(), slot);
        if (!desired.volumeUsed(name, spec.name())) {
          quietly(() -> volumes.remove(name, owner()), "volume " + name);
        }
      }
    }
  }

  private static void quietly(Runnable r, String what) {
    try {
      r.run();
    } catch (ResourceInUseException | NotOwnedException e) {
      log.info("{} kept: {}", what, e.getMessage());
    }
  }
}
