package dev.orchestrator.storage;

import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.VolumeSpec;
import java.util.List;
import java.util.Set;

/**
 * A capability of a {@link VolumeProvider} whose volumes live on a node: it tells the scheduler
 * where a replica mounting a volume must go. The orchestrator adds these constraints to the
 * placement of every replica that mounts the volume, so a replaced replica lands where its data is
 * (or stays unschedulable, with the constraint in the diagnosis, while that node cannot take it).
 */
public interface VolumeLocality {

  /** Local-driver {@code type} options whose data is reachable from every node (network file systems). */
  Set<String> SHARED_TYPES = Set.of("nfs", "nfs4", "cifs");

  /**
   * Node-label rules a replica mounting this volume (its per-replica name, driver and options) must
   * satisfy, typically {@code PlacementConstraint.equals(NodeInfo.NAME_LABEL, node)}; empty when any
   * node can mount it.
   */
  List<PlacementConstraint> placementConstraints(VolumeSpec volume);

  /** Whether a volume is of a shared kind (its {@code type} option is NFS or CIFS), mountable on every node. */
  static boolean isShared(VolumeSpec volume) {
    return SHARED_TYPES.contains(volume.options().getOrDefault("type", ""));
  }

  /** The constraint that pins a replica to {@code node}, or none for a shared volume. */
  static List<PlacementConstraint> onNode(String node, VolumeSpec volume) {
    return isShared(volume) ? List.of() : List.of(PlacementConstraint.equals(NodeInfo.NAME_LABEL, node));
  }
}
