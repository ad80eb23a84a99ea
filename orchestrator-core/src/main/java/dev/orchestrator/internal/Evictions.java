package dev.orchestrator.internal;

import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Carries out the preemptions the {@link Placer} chose, on the preempting service's worker. */
final class Evictions {
  private static final Logger log = LoggerFactory.getLogger(Evictions.class);
  private final Cluster cluster;
  private final DesiredState desired;
  private final Placer placer;
  private final ReplicaOps ops;

  Evictions(Cluster cluster, DesiredState desired, Placer placer, ReplicaOps ops) {
    this.cluster = cluster;
    this.desired = desired;
    this.placer = placer;
    this.ops = ops;
  }

  /**
   * Evicts the victims of each preemption (withdrawn from the registry, then stopped and removed);
   * their services are queued by the removal events and place them again if they fit. Returns the
   * wants whose victims could not all be evicted: their reservations are released and they are
   * retried shortly instead of being created on a node that may lack the room.
   */
  Set<Integer> evict(ServiceSpec spec, List<Placer.Want> missing, List<Placer.Preemption> preemptions) {
    Set<Integer> failed = new HashSet<>();
    for (Placer.Preemption p : preemptions) {
      String replica = ReplicaOps.replicaName(spec.name(), missing.get(p.index()).slot());
      Node node = cluster.node(p.node());
      for (Preemptor.Candidate v : p.victims()) {
        String reason = "preempted " + ReplicaOps.replicaName(v.service(), ReplicaOps.slotOf(v.container())) + " (priority "
            + v.priority() + ") on " + p.node() + " for " + replica + " (priority " + spec.priority() + ")";
        log.info(reason);
        ServiceSpec victimSpec = desired.service(v.service());
        try {
          ops.remove(node, v.container(), null, victimSpec == null ? Duration.ZERO : victimSpec.stopGracePeriod(), reason);
        } catch (RuntimeException e) {
          log.warn("{} failed: {}", reason, e.getMessage());
          failed.add(p.index());
          placer.release(missing.get(p.index()).containerName());
          break;
        }
      }
    }
    return failed;
  }
}
