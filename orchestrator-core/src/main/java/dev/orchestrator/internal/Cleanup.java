package dev.orchestrator.internal;

import dev.orchestrator.NotOwnedException;
import dev.orchestrator.ResourceInUseException;
import dev.orchestrator.network.NetworkInfo;
import dev.orchestrator.network.NetworkProvider;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.storage.VolumeProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what an instance owns when it closes: every labelled container (withdrawn, stopped with
 * its service's grace period and removed by {@link ReplicaOps}, in parallel), its networks, and the volumes declared
 * with DELETE retention. Volumes retained by policy are never touched. Runs once, on the closing
 * thread, with a private short-lived pool.
 */
final class Cleanup {
  private static final Logger log = LoggerFactory.getLogger(Cleanup.class);
  private final String instanceId;
  private final Cluster cluster;
  private final ReplicaOps ops;
  private final NetworkProvider networks;
  private final VolumeProvider volumes;
  private final DesiredState desired;

  Cleanup(String instanceId, Cluster cluster, ReplicaOps ops, NetworkProvider networks, VolumeProvider volumes, DesiredState desired) {
    this.instanceId = instanceId;
    this.cluster = cluster;
    this.ops = ops;
    this.networks = networks;
    this.volumes = volumes;
    this.desired = desired;
  }

  void run() {
    Map<String, String> owner = OwnerLabels.ofInstance(instanceId);
    ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "orchestrator-cleanup");
      t.setDaemon(true);
      return t;
    });
    try {
      List<CompletableFuture<Void>> removals = new ArrayList<>();
      for (Node n : cluster.nodes()) {
        List<ContainerInfo> owned;
        try {
          owned = n.call("list", "", () -> n.runtime().list(owner));
        } catch (RuntimeException e) {
          log.warn("node {} not cleaned: {}", n.name(), e.getMessage());
          continue;
        }
        for (ContainerInfo c : owned) {
          removals.add(CompletableFuture.runAsync(() -> remove(n, c), pool));
        }
      }
      CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new)).join();
      for (NetworkInfo net : networks.list(owner)) {
        try {
          networks.remove(net.name(), owner);
        } catch (ResourceInUseException | NotOwnedException e) {
          log.warn("network {} kept: {}", net.name(), e.getMessage());
        }
      }
      for (String v : deletable()) {
        try {
          volumes.remove(v, owner);
        } catch (RuntimeException e) {
          log.warn("volume {} kept: {}", v, e.getMessage());
        }
      }
    } finally {
      pool.shutdownNow();
      try {
        pool.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Owned volumes labelled with DELETE retention when they were created. */
  private List<String> deletable() {
    Map<String, String> selector = new java.util.HashMap<>(OwnerLabels.ofInstance(instanceId));
    selector.put(OwnerLabels.RETENTION, "delete");
    return volumes.list(selector).stream().map(v -> v.name()).toList();
  }

  private void remove(Node n, ContainerInfo c) {
    String service = c.label(OwnerLabels.SERVICE);
    ServiceSpec spec = service == null ? null : desired.service(service);
    Duration grace = spec == null ? Duration.ofSeconds(10) : spec.stopGracePeriod();
    try {
      ops.remove(n, c, null, grace, "orchestrator closed");
    } catch (RuntimeException e) {
      log.warn("container {} on {} not removed: {}", c.name(), n.name(), e.getMessage());
    }
  }

}
